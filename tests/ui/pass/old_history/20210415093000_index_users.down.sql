-- Written before the second index was added to the up.
DROP INDEX users_email;

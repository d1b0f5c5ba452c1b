DROP INDEX posts_user_idx;

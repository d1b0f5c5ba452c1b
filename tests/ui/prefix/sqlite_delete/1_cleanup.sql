DELETE FROM conversations WHERE title = '';

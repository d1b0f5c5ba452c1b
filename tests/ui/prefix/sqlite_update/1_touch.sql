UPDATE conversations SET title = 'Calendar: ' || title
 WHERE id IN (SELECT id FROM conversations WHERE title LIKE 'Meeting%');

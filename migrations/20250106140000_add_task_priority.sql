-- Priority of a task: 1 is the most urgent. Existing tasks get the default.
ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5);

CREATE INDEX tasks_project_priority_idx ON tasks (project_id, priority, due_at);

-- A view the service reads its dashboard from.
CREATE VIEW open_tasks AS
SELECT t.id, t.title, t.priority, t.due_at, p.name AS project, a.display_name AS assignee
FROM tasks t
JOIN projects p ON p.id = t.project_id
LEFT JOIN accounts a ON a.id = t.assignee_id
WHERE t.done = 0;

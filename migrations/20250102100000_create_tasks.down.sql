DROP INDEX tasks_assignee_idx;
DROP INDEX tasks_project_idx;
DROP TABLE tasks;

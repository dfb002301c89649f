-- Error reports are built from a job's problems when downloaded, in the reader's language; the
-- reports workers stored before that (job_file purpose error_report) are never read again, so they
-- are removed. The enum value stays: PostgreSQL cannot drop one, and nothing writes it any more.
DELETE FROM "job_file" WHERE "purpose" = 'error_report';

"""One writer per output format; each reads a GradeReport and nothing else (the formats a
command can write: ``grader.reports.formats``)."""

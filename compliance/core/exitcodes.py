"""The one enum every exit of the `compliance` command goes through."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes.

    OK: the command did what was asked.
    ERROR: bad input, unknown id, refused operation, missing store (one line on stderr).
    USAGE: the command line itself was malformed (click's usage errors).
    INTEGRITY: a verification ran and found tampering or a broken chain.

    Scheduled checks (`deadlines check`, `actions check`) follow the monitoring-plugin
    convention understood by cron wrappers, Nagios/Icinga and Kubernetes CronJobs:
    CHECK_OK 0, CHECK_WARNING 1, CHECK_CRITICAL 2, CHECK_UNKNOWN 3 (the check could not run).
    """

    OK = 0
    ERROR = 1
    USAGE = 2
    INTEGRITY = 4

    CHECK_OK = 0
    CHECK_WARNING = 1
    CHECK_CRITICAL = 2
    CHECK_UNKNOWN = 3

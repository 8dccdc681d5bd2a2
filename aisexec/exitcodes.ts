// Exit codes, after openais' e_ais_done (exec/util.h) with the sign dropped so
// a shell sees them: an operator's scripts can tell why aisexec did not start.
export const enum ExitCode {
  OK = 0,
  EXIT = 1,
  USAGE = 2,
  LIBAIS_BIND = 7,
  READKEY = 8,
  MAINCONFIGREAD = 9,
  LOGSETUP = 10,
  AMFCONFIGREAD = 11,
  INIT_SERVICES = 14,
}

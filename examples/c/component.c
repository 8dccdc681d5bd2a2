/*
 * c-demo: an SA-aware AMF component in C, the counterpart of the TypeScript
 * amf-demo (examples/amf-demo/component.ts) and of openais' testamf1. It
 * gets its name (saAmfComponentNameGet), initializes, registers, starts a
 * healthcheck, answers CSI set/remove callbacks with SA_AIS_OK (logging each
 * assignment and its attributes), and answers the terminate callback with
 * SA_AIS_OK before exiting 0. It uses only the SA Forum B.01.01 API, so it
 * builds unchanged against openais' headers too.
 *
 * The fault knobs are amf-demo's, from the environment:
 *   AMF_DEMO_HC_KEY           healthcheck key (default "default")
 *   AMF_DEMO_HC_INVOCATION    "amf" (default) or "component" (the component confirms)
 *   AMF_DEMO_HC_CONFIRM_MS    component-invoked: confirm every this many ms (default 500)
 *   AMF_DEMO_HC_RECOVERY      healthcheck's recommended recovery (default COMPONENT_RESTART)
 *   AMF_DEMO_ERROR_AFTER=N    after N healthchecks, report an error once
 *   AMF_DEMO_ERROR_RECOVERY   its recommended recovery (default COMPONENT_RESTART)
 *   AMF_DEMO_HC_STALL_AFTER=N stop answering healthchecks after N
 *   AMF_DEMO_NO_REGISTER=1    never register
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <saAmf.h>

static SaAmfHandleT handle;
static SaNameT comp_name;
static char prefix[300] = "c-demo";
static SaAmfHealthcheckKeyT hc_key;
static long error_after = -1, stall_after = -1;
static SaAmfRecommendedRecoveryT error_recovery = SA_AMF_COMPONENT_RESTART;
static long healthchecks;
static int reported, stalled;
static volatile sig_atomic_t got_signal;

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", prefix);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static const char *err_name(SaAisErrorT e)
{
	static const char *names[] = { "?", "SA_AIS_OK", "SA_AIS_ERR_LIBRARY", "SA_AIS_ERR_VERSION", "SA_AIS_ERR_INIT",
		"SA_AIS_ERR_TIMEOUT", "SA_AIS_ERR_TRY_AGAIN", "SA_AIS_ERR_INVALID_PARAM", "SA_AIS_ERR_NO_MEMORY",
		"SA_AIS_ERR_BAD_HANDLE", "SA_AIS_ERR_BUSY", "SA_AIS_ERR_ACCESS", "SA_AIS_ERR_NOT_EXIST",
		"SA_AIS_ERR_NAME_TOO_LONG", "SA_AIS_ERR_EXIST", "SA_AIS_ERR_NO_SPACE", "SA_AIS_ERR_INTERRUPT",
		"SA_AIS_ERR_NAME_NOT_FOUND", "SA_AIS_ERR_NO_RESOURCES", "SA_AIS_ERR_NOT_SUPPORTED",
		"SA_AIS_ERR_BAD_OPERATION", "SA_AIS_ERR_FAILED_OPERATION", "SA_AIS_ERR_MESSAGE_ERROR",
		"SA_AIS_ERR_QUEUE_FULL", "SA_AIS_ERR_QUEUE_NOT_AVAILABLE", "SA_AIS_ERR_BAD_FLAGS", "SA_AIS_ERR_TOO_BIG",
		"SA_AIS_ERR_NO_SECTIONS" };
	return e >= 1 && e <= 27 ? names[e] : "?";
}

static const char *recoveries[] = { NULL, "NO_RECOMMENDATION", "COMPONENT_RESTART", "COMPONENT_FAILOVER",
	"NODE_SWITCHOVER", "NODE_FAILOVER", "NODE_FAILFAST", "CLUSTER_RESET", "APPLICATION_RESTART" };

static long int_env(const char *name, long dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < 0) {
		say("%s=%s is not a non-negative integer", name, v);
		exit(2);
	}
	return n;
}

static SaAmfRecommendedRecoveryT recovery_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return SA_AMF_COMPONENT_RESTART;
	if (strncasecmp(v, "SA_AMF_", 7) == 0)
		v += 7;
	for (int i = 1; i <= 8; i++) {
		char num[4];
		snprintf(num, sizeof num, "%d", i);
		if (strcasecmp(v, recoveries[i]) == 0 || strcmp(v, num) == 0)
			return (SaAmfRecommendedRecoveryT)i;
	}
	say("%s=%s is not a recommended recovery (e.g. COMPONENT_RESTART, COMPONENT_FAILOVER, NODE_FAILOVER)", name, v);
	exit(2);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Retries while the executive answers TRY_AGAIN, as SA applications must. */
static int retry_again(SaAisErrorT e, int *attempt)
{
	if (e != SA_AIS_ERR_TRY_AGAIN || ++*attempt >= 100)
		return 0;
	sleep_ms(100);
	return 1;
}
#define RETRYING(e, call) do { int attempt_ = 0; do (e) = (call); while (retry_again((e), &attempt_)); } while (0)

static const char *ha_name(SaAmfHAStateT h)
{
	switch (h) {
	case SA_AMF_HA_ACTIVE: return "ACTIVE";
	case SA_AMF_HA_STANDBY: return "STANDBY";
	case SA_AMF_HA_QUIESCED: return "QUIESCED";
	case SA_AMF_HA_QUIESCING: return "QUIESCING";
	}
	return "?";
}

/* Counts one healthcheck; 0 once the component stops answering. */
static int healthcheck(const char *how)
{
	if (stall_after >= 0 && healthchecks >= stall_after) {
		if (!stalled)
			say("healthcheck: not answering any more (AMF_DEMO_HC_STALL_AFTER=%ld)", stall_after);
		stalled = 1;
		return 0;
	}
	healthchecks++;
	say("healthcheck %ld %s key %.*s", healthchecks, how, (int)hc_key.keyLen, hc_key.key);
	if (error_after >= 0 && healthchecks >= error_after && !reported) {
		reported = 1;
		say("reporting an error after %ld healthchecks, recommended recovery %s", healthchecks, recoveries[error_recovery]);
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		SaAisErrorT e = saAmfComponentErrorReport(handle, &comp_name,
			(SaTimeT)now.tv_sec * SA_TIME_ONE_SECOND + now.tv_nsec, error_recovery, 0);
		if (e == SA_AIS_OK)
			say("error report accepted");
		else
			say("saAmfComponentErrorReport failed: %s", err_name(e));
	}
	return 1;
}

static void respond(SaInvocationT inv)
{
	SaAisErrorT e = saAmfResponse(handle, inv, SA_AIS_OK);
	if (e != SA_AIS_OK)
		say("could not answer the AMF: %s", err_name(e));
}

static void on_healthcheck(SaInvocationT inv, const SaNameT *comp, SaAmfHealthcheckKeyT *key)
{
	char how[64];
	snprintf(how, sizeof how, "callback (invocation %llu)", (unsigned long long)inv);
	if (healthcheck(how))
		respond(inv);
}

static void on_csi_set(SaInvocationT inv, const SaNameT *comp, SaAmfHAStateT ha, SaAmfCSIDescriptorT *d)
{
	char line[1024];
	int n = snprintf(line, sizeof line, "CSI set %s %.*s flags %u", ha_name(ha),
		d->csiName.length ? (int)d->csiName.length : 12, d->csiName.length ? (const char *)d->csiName.value : "(all CSIs)",
		(unsigned)d->csiFlags);
	if (ha == SA_AMF_HA_ACTIVE) {
		const SaAmfCSIActiveDescriptorT *a = &d->csiStateDescriptor.activeDescriptor;
		n += snprintf(line + n, sizeof line - (size_t)n, ", transition %d", (int)a->transitionDescriptor);
		if (a->activeCompName.length)
			snprintf(line + n, sizeof line - (size_t)n, ", previously active %.*s", (int)a->activeCompName.length,
				a->activeCompName.value);
	} else if (ha == SA_AMF_HA_STANDBY) {
		const SaAmfCSIStandbyDescriptorT *s = &d->csiStateDescriptor.standbyDescriptor;
		snprintf(line + n, sizeof line - (size_t)n, ", active %.*s rank %u",
			s->activeCompName.length ? (int)s->activeCompName.length : 6,
			s->activeCompName.length ? (const char *)s->activeCompName.value : "(none)", (unsigned)s->standbyRank);
	}
	say("%s", line);
	for (SaUint32T i = 0; i < d->csiAttr.number; i++)
		say("  attribute %s=%s", (const char *)d->csiAttr.attr[i].attrName, (const char *)d->csiAttr.attr[i].attrValue);
	respond(inv);
	if (ha == SA_AMF_HA_QUIESCING) {
		SaAisErrorT e = saAmfCSIQuiescingComplete(handle, inv, SA_AIS_OK);
		if (e == SA_AIS_OK)
			say("quiescing of %.*s complete", (int)d->csiName.length, d->csiName.value);
		else
			say("saAmfCSIQuiescingComplete failed: %s", err_name(e));
	}
}

static void on_csi_remove(SaInvocationT inv, const SaNameT *comp, const SaNameT *csi, SaAmfCSIFlagsT flags)
{
	say("CSI remove %.*s flags %u", csi->length ? (int)csi->length : 12, csi->length ? (const char *)csi->value : "(all CSIs)",
		(unsigned)flags);
	respond(inv);
}

static void on_terminate(SaInvocationT inv, const SaNameT *comp)
{
	say("terminate callback: answering OK and exiting");
	respond(inv);
	saAmfFinalize(handle);
	say("terminated by the AMF, exiting 0");
	exit(0);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(prefix, sizeof prefix, "c-demo[%d]", (int)getpid());

	const char *key = getenv("AMF_DEMO_HC_KEY");
	if (!key || !*key)
		key = "default";
	hc_key.keyLen = (SaUint16T)(strlen(key) > SA_AMF_HEALTHCHECK_KEY_MAX ? SA_AMF_HEALTHCHECK_KEY_MAX : strlen(key));
	memcpy(hc_key.key, key, hc_key.keyLen);
	const char *inv_env = getenv("AMF_DEMO_HC_INVOCATION");
	int component_invoked = inv_env && strcmp(inv_env, "component") == 0;
	if (inv_env && *inv_env && !component_invoked && strcmp(inv_env, "amf") != 0) {
		say("AMF_DEMO_HC_INVOCATION=%s: use amf or component", inv_env);
		return 2;
	}
	long confirm_ms = int_env("AMF_DEMO_HC_CONFIRM_MS", 500);
	SaAmfRecommendedRecoveryT hc_recovery = recovery_env("AMF_DEMO_HC_RECOVERY");
	error_after = int_env("AMF_DEMO_ERROR_AFTER", -1);
	error_recovery = recovery_env("AMF_DEMO_ERROR_RECOVERY");
	stall_after = int_env("AMF_DEMO_HC_STALL_AFTER", -1);
	const char *nr = getenv("AMF_DEMO_NO_REGISTER");
	int no_register = nr && *nr && strcmp(nr, "0") != 0;

	SaAmfCallbacksT callbacks = {
		.saAmfHealthcheckCallback = on_healthcheck,
		.saAmfComponentTerminateCallback = on_terminate,
		.saAmfCSISetCallback = on_csi_set,
		.saAmfCSIRemoveCallback = on_csi_remove,
	};
	SaVersionT version = { 'B', 1, 1 };
	SaAisErrorT e;
	RETRYING(e, saAmfInitialize(&handle, &callbacks, &version));
	if (e != SA_AIS_OK) {
		say("saAmfInitialize failed: %s", err_name(e));
		return 1;
	}
	e = saAmfComponentNameGet(handle, &comp_name);
	if (e != SA_AIS_OK) {
		say("saAmfComponentNameGet failed: %s (is SA_AMF_COMPONENT_NAME set?)", err_name(e));
		return 1;
	}
	snprintf(prefix, sizeof prefix, "%.*s", (int)comp_name.length, comp_name.value);
	say("initialized, pid %d", (int)getpid());

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (no_register) {
		say("not registering (AMF_DEMO_NO_REGISTER)");
	} else {
		RETRYING(e, saAmfComponentRegister(handle, &comp_name, NULL));
		if (e != SA_AIS_OK) {
			say("saAmfComponentRegister failed: %s", err_name(e));
			return 1;
		}
		say("registered");
		RETRYING(e, saAmfHealthcheckStart(handle, &comp_name, &hc_key,
			component_invoked ? SA_AMF_HEALTHCHECK_COMPONENT_INVOKED : SA_AMF_HEALTHCHECK_AMF_INVOKED, hc_recovery));
		if (e == SA_AIS_OK) {
			if (component_invoked)
				say("healthcheck %s started, component-invoked, confirming every %ld ms, recovery %s", key, confirm_ms,
					recoveries[hc_recovery]);
			else
				say("healthcheck %s started, AMF-invoked, recovery %s", key, recoveries[hc_recovery]);
		} else {
			say("saAmfHealthcheckStart %s failed: %s; running without a healthcheck", key, err_name(e));
			component_invoked = 0;
		}
	}

	SaSelectionObjectT so;
	saAmfSelectionObjectGet(handle, &so);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		int timeout = -1;
		if (component_invoked && !stalled) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long left = (next.tv_sec - now.tv_sec) * 1000 + (next.tv_nsec - now.tv_nsec) / 1000000 + confirm_ms;
			if (left <= 0) {
				next = now;
				if (healthcheck("confirmed")) {
					e = saAmfHealthcheckConfirm(handle, &comp_name, &hc_key, SA_AIS_OK);
					if (e != SA_AIS_OK)
						say("saAmfHealthcheckConfirm failed: %s", err_name(e));
				}
				left = confirm_ms;
			}
			timeout = (int)left;
		}
		struct pollfd p = { .fd = (int)so, .events = POLLIN };
		int n = poll(&p, 1, timeout);
		if (got_signal) {
			say("%s: finalizing and exiting", got_signal == SIGTERM ? "SIGTERM" : "SIGINT");
			saAmfFinalize(handle);
			return 0;
		}
		if (n < 0 && errno != EINTR) {
			say("poll failed: %s", strerror(errno));
			return 1;
		}
		if (n > 0) {
			e = saAmfDispatch(handle, SA_DISPATCH_ALL);
			if (e == SA_AIS_ERR_LIBRARY) {
				say("lost the executive (saAmfDispatch: %s), exiting 1", err_name(e));
				saAmfFinalize(handle);
				return 1;
			}
			if (e != SA_AIS_OK)
				say("saAmfDispatch: %s", err_name(e));
		}
	}
}

/* Prints sizeof, alignof and the offset of every member of every public struct of saClm.h, as JSON (test/native/layout.test.ts). */
#include <stddef.h>
#include <stdio.h>
#include <saClm.h>

static int first_struct = 1, first_field;

static void begin(const char *name, size_t size, size_t align)
{
	printf("%s\n  \"%s\": {\"size\": %zu, \"align\": %zu, \"offsets\": {", first_struct ? "{" : ",", name, size, align);
	first_struct = 0;
	first_field = 1;
}

static void field(const char *name, size_t off)
{
	printf("%s\"%s\": %zu", first_field ? "" : ", ", name, off);
	first_field = 0;
}

#define S(T) begin(#T, sizeof(T), _Alignof(T))
#define F(T, m) field(#m, offsetof(T, m))
#define E() printf("}}")

int main(void)
{
	S(SaClmNodeAddressT); F(SaClmNodeAddressT, family); F(SaClmNodeAddressT, length); F(SaClmNodeAddressT, value); E();
	S(SaClmClusterNodeT); F(SaClmClusterNodeT, nodeId); F(SaClmClusterNodeT, nodeAddress); F(SaClmClusterNodeT, nodeName);
	F(SaClmClusterNodeT, member); F(SaClmClusterNodeT, bootTimestamp); F(SaClmClusterNodeT, initialViewNumber); E();
	S(SaClmClusterNotificationT); F(SaClmClusterNotificationT, clusterNode); F(SaClmClusterNotificationT, clusterChange); E();
	S(SaClmClusterNotificationBufferT); F(SaClmClusterNotificationBufferT, viewNumber); F(SaClmClusterNotificationBufferT, numberOfItems);
	F(SaClmClusterNotificationBufferT, notification); E();
	S(SaClmCallbacksT); F(SaClmCallbacksT, saClmClusterNodeGetCallback); F(SaClmCallbacksT, saClmClusterTrackCallback); E();
	S(SaClmHandleT); E();
	S(SaClmNodeIdT); E();
	S(SaClmClusterChangesT); E();
	printf("\n}\n");
	return 0;
}

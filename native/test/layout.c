/* Prints sizeof, alignof and the offset of every member of every public struct, as JSON (test/native/layout.test.ts). */
#include <stddef.h>
#include <stdio.h>
#include <saAmf.h>

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
	S(SaNameT); F(SaNameT, length); F(SaNameT, value); E();
	S(SaVersionT); F(SaVersionT, releaseCode); F(SaVersionT, majorVersion); F(SaVersionT, minorVersion); E();
	S(SaAmfHealthcheckKeyT); F(SaAmfHealthcheckKeyT, key); F(SaAmfHealthcheckKeyT, keyLen); E();
	S(SaAmfCSIActiveDescriptorT); F(SaAmfCSIActiveDescriptorT, transitionDescriptor); F(SaAmfCSIActiveDescriptorT, activeCompName); E();
	S(SaAmfCSIStandbyDescriptorT); F(SaAmfCSIStandbyDescriptorT, activeCompName); F(SaAmfCSIStandbyDescriptorT, standbyRank); E();
	S(SaAmfCSIStateDescriptorT); F(SaAmfCSIStateDescriptorT, activeDescriptor); F(SaAmfCSIStateDescriptorT, standbyDescriptor); E();
	S(SaAmfCSIAttributeT); F(SaAmfCSIAttributeT, attrName); F(SaAmfCSIAttributeT, attrValue); E();
	S(SaAmfCSIAttributeListT); F(SaAmfCSIAttributeListT, attr); F(SaAmfCSIAttributeListT, number); E();
	S(SaAmfCSIDescriptorT); F(SaAmfCSIDescriptorT, csiFlags); F(SaAmfCSIDescriptorT, csiName);
	F(SaAmfCSIDescriptorT, csiStateDescriptor); F(SaAmfCSIDescriptorT, csiAttr); E();
	S(SaAmfProtectionGroupMemberT); F(SaAmfProtectionGroupMemberT, compName); F(SaAmfProtectionGroupMemberT, haState);
	F(SaAmfProtectionGroupMemberT, rank); E();
	S(SaAmfProtectionGroupNotificationT); F(SaAmfProtectionGroupNotificationT, member); F(SaAmfProtectionGroupNotificationT, change); E();
	S(SaAmfProtectionGroupNotificationBufferT); F(SaAmfProtectionGroupNotificationBufferT, numberOfItems);
	F(SaAmfProtectionGroupNotificationBufferT, notification); E();
	S(SaAmfCallbacksT); F(SaAmfCallbacksT, saAmfHealthcheckCallback); F(SaAmfCallbacksT, saAmfComponentTerminateCallback);
	F(SaAmfCallbacksT, saAmfCSISetCallback); F(SaAmfCallbacksT, saAmfCSIRemoveCallback);
	F(SaAmfCallbacksT, saAmfProtectionGroupTrackCallback); F(SaAmfCallbacksT, saAmfProxiedComponentInstantiateCallback);
	F(SaAmfCallbacksT, saAmfProxiedComponentCleanupCallback); E();
	/* The scalar types whose width a program relies on. */
	S(SaTimeT); E();
	S(SaAmfHandleT); E();
	S(SaInvocationT); E();
	S(SaAisErrorT); E();
	S(SaAmfHAStateT); E();
	printf("\n}\n");
	return 0;
}

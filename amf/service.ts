// The AMF service as the executive hosts it. This foundation loads and
// publishes the information model from groups.conf; the engine (life cycle,
// assignment, healthchecks, escalation) and its library and executive handlers
// plug into these same maps (see the AMF issue). Until then an AMF client can
// connect, and every AMF request is answered SA_AIS_ERR_NOT_SUPPORTED by the IPC layer.
import { ServiceId } from '../lib-ais/ipc/ids.js';
import type { ExecHandler, LibHandler, Service, ServiceContext } from '../aisexec/services/service.js';
import type { AmfModel } from './model.js';

export class AmfService implements Service {
  readonly id = ServiceId.AMF;
  readonly name = 'amf';
  readonly lib = new Map<number, LibHandler>();
  readonly exec = new Map<number, ExecHandler>();

  constructor(readonly model: AmfModel, private readonly groupsFile: string) {}

  execInit(ctx: ServiceContext): void {
    const c = countModel(this.model);
    ctx.log.notice(
      `AMF information model from ${this.groupsFile}: ${n(c.sgs, 'service group')}, ${n(c.sus, 'service unit')}, ` +
        `${n(c.components, 'component')}, ${n(c.sis, 'service instance')}, ${n(c.csis, 'CSI')}, ${n(c.healthchecks, 'healthcheck key')}`,
    );
    for (const sg of this.model.sgs) {
      ctx.log.info(`${sg.dn}: redundancy model ${sg.redundancyModel}, units ${sg.sus.map((s) => s.name).join(' ')}`);
    }
  }

  status(): unknown {
    return { groupsFile: this.groupsFile, ...countModel(this.model) };
  }
}

export function countModel(m: AmfModel) {
  let sus = 0, components = 0, sis = 0, csis = 0;
  for (const sg of m.sgs) {
    sus += sg.sus.length;
    for (const su of sg.sus) components += su.components.length;
    sis += sg.sis.length;
    for (const si of sg.sis) csis += si.csis.length;
  }
  return { sgs: m.sgs.length, sus, components, sis, csis, healthchecks: m.healthchecks.length };
}

function n(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

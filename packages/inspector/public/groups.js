// Group view (issue 24): a run with endpoint groups and more endpoints than fit side by side
// folds each group's hosts into one ladder lane and one panel with a host picker; a picked host
// gets its own lane and statechart panel again. Pure functions, no DOM (unit-tested under Node).

/** More endpoints than this in a run with groups ⇒ group view (as `synack run`'s text ladder). */
export const GROUP_VIEW_LANES = 8;

/**
 * The lanes of `model`'s ladder with the hosts in `picked` (a Set of ids) drawn: null when every
 * endpoint gets its own lane, else { lanes, laneOf: Map(endpoint id → lane), groups: [{ name,
 * lane, members }] } where a folded group's lane is "name ×N" and its members are the unpicked hosts.
 */
export function groupView(model, picked = new Set()) {
  const endpoints = model.endpoints;
  if (endpoints.length <= GROUP_VIEW_LANES || !endpoints.some((e) => e.group)) return null;
  const lanes = [];
  const laneOf = new Map();
  const byName = new Map();
  for (const ep of endpoints) {
    if (!ep.group || picked.has(ep.id)) {
      lanes.push(ep.id);
      laneOf.set(ep.id, ep.id);
      continue;
    }
    let group = byName.get(ep.group);
    if (!group) {
      group = { name: ep.group, lane: '', members: [] };
      byName.set(ep.group, group);
    }
    group.members.push(ep.id);
  }
  const groups = [...byName.values()];
  for (const group of groups) {
    group.lane = `${group.name} ×${group.members.length}`;
    lanes.push(group.lane);
    for (const id of group.members) laneOf.set(id, group.lane);
  }
  return { lanes: [...lanes, ...model.extraLanes], laneOf, groups };
}

/** The group's connections by state, in `order` (states never reached left out). */
export function groupStateCounts(model, group, order) {
  const counts = new Map();
  for (const id of group.members) {
    for (const conn of model.endpointById.get(id)?.conns.values() ?? []) {
      counts.set(conn.state, (counts.get(conn.state) ?? 0) + 1);
    }
  }
  const known = order.filter((s) => counts.has(s));
  const rest = [...counts.keys()].filter((s) => !order.includes(s));
  return [...known, ...rest].map((s) => [s, counts.get(s)]);
}

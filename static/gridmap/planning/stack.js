// Our own undo/redo stack of edit states (tool, drawn features, tool extras), separate from terra-draw's.

export function editStack(limit = 100) {
  let states = [];
  let index = -1;
  return {
    push(state) {
      states = states.slice(0, index + 1);
      states.push(structuredClone(state));
      if (states.length > limit) states.shift();
      index = states.length - 1;
    },
    reset(state) {
      states = state ? [structuredClone(state)] : [];
      index = states.length - 1;
    },
    current: () => (index >= 0 ? structuredClone(states[index]) : null),
    undo: () => (index > 0 ? structuredClone(states[--index]) : null),
    redo: () => (index < states.length - 1 ? structuredClone(states[++index]) : null),
    canUndo: () => index > 0,
    canRedo: () => index < states.length - 1,
    get depth() { return states.length; },
  };
}

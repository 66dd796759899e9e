// The planning HTTP API (/api/planning/…): JSON in and out; POSTs carry the page's CSRF token.

export function planningApi(root, csrf) {
  async function call(path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) Object.assign(headers, { "Content-Type": "application/json", "X-CSRFToken": csrf });
    const response = await fetch(new URL(path, root), {
      method: body === undefined ? "GET" : "POST", credentials: "same-origin", headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = { detail: `${response.status} ${response.statusText}` };
    }
    return { status: response.status, ok: response.ok, data };
  }
  const code = encodeURIComponent;
  return {
    context: (grid) => call(`context/?grid=${code(grid)}`),
    contextOfParent: (parent) => call(`context/?parent=${code(parent)}`),
    preview: (body) => call("preview/", body),
    commit: (body) => call("commit/", body),
    history: (grid) => call(`grids/${code(grid)}/history/`),
    diff: (grid, from, to) => call(`grids/${code(grid)}/diff/?from=${from}&to=${to}`),
    proposal: (body) => call("proposals/", body),
  };
}

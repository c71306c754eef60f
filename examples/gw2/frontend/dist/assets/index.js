// The built bundle's stand-in: no npm, no dependencies. It asks the API for its health and builds.
const api = document.getElementById('api');
fetch('/api/v1/health')
  .then((r) => r.json())
  .then((h) => {
    api.textContent = `API ${h.status} (version ${h.version})`;
  })
  .catch(() => {
    api.textContent = 'API unreachable';
  });

// A panic in the page's wasm is a bare trap; this turns it into a panel (why: src/panic_panel.rs).
(() => {
  const show = (error) => {
    if (!(error instanceof WebAssembly.RuntimeError) || document.querySelector('[data-panic]')) {
      return; // not a trap, or not the first: the first is the informative one
    }
    const words = document.documentElement.dataset;
    const panel = document.createElement('div');
    panel.className = 'panic';
    panel.dataset.panic = '';
    panel.setAttribute('role', 'alert');
    const add = (tag, text) => {
      const child = panel.appendChild(document.createElement(tag));
      child.textContent = text;
      return child;
    };
    add('h2', words.panicTitle || 'raftviz stopped');
    add('pre', String(error));
    add('button', words.panicReload || 'Reload').addEventListener('click', () => location.reload());
    document.body.appendChild(panel);
  };
  addEventListener('error', (event) => show(event.error));
  addEventListener('unhandledrejection', (event) => show(event.reason));
})();

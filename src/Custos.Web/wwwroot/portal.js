// Progressive enhancement only: every page works without this file.
document.addEventListener('click', (e) => {
  const button = e.target.closest('[data-copy]');
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  // An input (e.g. a long link shown read-only) copies its value, any other element its text.
  const text = source instanceof HTMLInputElement ? source.value : source.textContent;
  navigator.clipboard.writeText(text.trim()).then(() => {
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// A filter select marked data-autosubmit applies itself; without script the form's button does it.
document.addEventListener('change', (e) => {
  const select = e.target.closest('select[data-autosubmit]');
  if (select && select.form) select.form.requestSubmit();
});

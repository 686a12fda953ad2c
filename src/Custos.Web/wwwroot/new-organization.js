// New organization: progressive enhancement only. Without this script the server renders the
// fields of the chosen partner and plan after each submit and validates everything.
(() => {
  const form = document.querySelector('form[data-new-organization]');
  if (!form) return;
  const partner = form.querySelector('#partner');
  const plan = form.querySelector('#plan');
  const country = form.querySelector('#country');
  const autoLicense = form.querySelector('#autoLicense');
  const hint = form.querySelector('[data-plan-hint]');
  const catalog = document.getElementById('plan-catalog');
  if (!partner || !plan || !catalog) return;

  const allPlans = [...catalog.content.querySelectorAll('option')];
  const placeholder = plan.querySelector('option[value=""]');
  const defaultHint = 'Personal, Backup or Archiver; the fields below follow the plan\'s type.';
  const chosenPartner = () => partner.selectedOptions[0];
  let partnerCountry = chosenPartner()?.dataset.country ?? '';

  const show = (field, visible) => {
    const el = form.querySelector(`[data-field="${field}"]`);
    if (el) el.hidden = !visible;
  };

  // Only the plans offered to the chosen partner; the chosen plan stays when the new partner offers it.
  const fillPlans = () => {
    const offered = new Set((chosenPartner()?.dataset.plans ?? '').split(' ').filter(Boolean));
    const current = plan.value;
    const options = allPlans.filter((o) => offered.has(o.value)).map((o) => o.cloneNode(true));
    plan.replaceChildren(...(placeholder ? [placeholder] : []), ...options);
    plan.value = offered.has(current) ? current : '';
  };

  const update = () => {
    const chosen = plan.selectedOptions[0];
    const type = chosen?.dataset.type ?? '';
    // No plan chosen yet: every field shows, as the server renders it.
    const seated = type !== 'Personal';
    show('organizationName', seated);
    show('autoLicense', seated);
    show('seats', seated && !(type && autoLicense?.checked));
    show('sendSignIn', chosenPartner()?.dataset.sendSignIn !== 'false');
    if (hint) hint.textContent = type ? `${type} plan, ${chosen.dataset.price}.` : defaultHint;
  };

  // "Send sign in" starts as the chosen partner's settings say, until someone ticks it by hand.
  const sendSignIn = form.querySelector('#sendSignIn');
  let sendSignInTouched = false;
  sendSignIn?.addEventListener('change', () => { sendSignInTouched = true; });

  partner.addEventListener('change', () => {
    fillPlans();
    if (sendSignIn && !sendSignInTouched) sendSignIn.checked = chosenPartner()?.dataset.sendSignInDefault !== 'false';
    // The country follows the partner unless someone picked another one by hand.
    const next = chosenPartner()?.dataset.country ?? '';
    if (country && next && (country.value === partnerCountry || country.value === '')) country.value = next;
    partnerCountry = next;
    update();
  });
  plan.addEventListener('change', update);
  autoLicense?.addEventListener('change', update);
  update();
})();

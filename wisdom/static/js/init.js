// WISDOM front-end initialisation (ES module, loaded with a CSP nonce; no inline scripts).
// Replaces GOV.UK's inline "js-enabled / govuk-frontend-supported" body-class snippet,
// then initialises GOV.UK Frontend and MoJ Frontend components (data-module="...").
import { initAll as initGovuk } from './govuk-frontend.min.js'
import { initAll as initMoj } from './moj-frontend.min.js'
import './similar.js'

// Only browsers that run ES modules get here, which is GOV.UK's support test.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initGovuk()
initMoj()

// Live "similar ideas" under a text input that has data-similar-url (progressive enhancement:
// without JavaScript the form's own "Check for similar ideas" button does the same on the server).
const DELAY_MS = 400

function render (box, hits) {
  box.replaceChildren()
  if (!hits.length) return
  const heading = document.createElement('h2')
  heading.className = 'govuk-heading-m'
  heading.textContent = 'Ideas like yours'
  const intro = document.createElement('p')
  intro.className = 'govuk-body'
  intro.textContent = 'These may be the same as your idea. If one is, you could suggest a change to it instead.'
  const list = document.createElement('ul')
  list.className = 'govuk-list govuk-list--bullet'
  for (const hit of hits) {
    const item = document.createElement('li')
    const link = document.createElement('a')
    link.className = 'govuk-link'
    link.href = hit.url
    link.textContent = hit.title
    item.append(link, ` (${hit.kind === 'module' ? 'module' : 'proposal'})`)
    list.append(item)
  }
  box.append(heading, intro, list)
}

for (const input of document.querySelectorAll('input[data-similar-url]')) {
  const box = document.getElementById('similar-results')
  if (!box) continue
  let timer = null
  const check = async () => {
    const words = input.value.trim()
    if (words.length < 3) { render(box, []); return }
    const url = `${input.dataset.similarUrl}?q=${encodeURIComponent(words)}`
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      if (response.ok) render(box, await response.json())
    } catch (error) {
      // The server-side button still works; nothing to tell the user here.
    }
  }
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(check, DELAY_MS)
  })
  // Typed before this script ran (or the page came back with a title): check it now,
  // unless the server has already listed what it found.
  if (input.value.trim() && !box.children.length && !box.textContent.trim()) check()
}

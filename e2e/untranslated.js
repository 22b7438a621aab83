// Interface text on a Tibetan page must be Tibetan: headings, labels, buttons, navigation and
// notes may not carry Chinese or English words (a Chinese official term may follow its Tibetan
// translation in brackets, as a gloss). User data is marked translate="no" (or carries its
// own lang attribute) and is skipped. Returns the offending texts.
(() => {
  const allowed = /^(API|QR|PDF|Excel|xlsx|CSV|MB|ID|SMS|HTTP|URL|GB|[A-Z]{1,2}\d*)$/;
  const out = [];
  const selector = "h1, h2, h3, label, button, summary, th, legend, dt, .btn, .mainnav a, .menu a, p, .muted, .tag, option";
  for (const el of document.querySelectorAll(selector)) {
    const clone = el.cloneNode(true);
    for (const skip of clone.querySelectorAll('[translate="no"], [lang]:not([lang="bo"]), input, select, textarea, code')) skip.remove();
    if (el.closest('[translate="no"], [lang]:not([lang="bo"]):not(html)')) continue;
    // Addresses (URLs), parameter names (api_key) and the names of standards and products stay as
    // they are in every language.
    const text = clone.textContent.replace(/\s+/g, " ").replace(/\b[a-z]+:\/\/\S+/g, " ")
      .replace(/\b\w+_\w+\b/g, " ").replace(/\b(Open311|GeoReport|FixMyStreet|SeeClickFix)\b/g, " ")
      // The Chinese official term glossed in brackets after its Tibetan translation: "… (低保)".
      .replace(/[\u0f00-\u0fff]\s*[(（][\u4e00-\u9fff]+[)）]/g, " ").trim();
    if (!text) continue;
    const han = text.match(/[\u4e00-\u9fff]+/g);
    const words = (text.match(/[A-Za-z]{2,}/g) || []).filter((w) => !allowed.test(w));
    if (han || words.length) out.push(text.slice(0, 80));
  }
  return [...new Set(out)];
})()

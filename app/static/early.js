// Runs before the page is drawn: lets the stylesheet lay out what app.js will change (the phone's
// section menu starts closed), so nothing moves after first paint.
document.documentElement.className += " js";

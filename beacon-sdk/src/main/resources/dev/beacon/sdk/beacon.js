/*! beacon.js: route templates and events, no storage, DNT/GPC honoured (Beacon) */
(function (w, d, n) {
  try {
    var s = d.currentScript;
    var a = function (k) { return (s && s.getAttribute('data-' + k)) || ''; };
    var url = a('endpoint'), key = a('key'), inst = a('installation');
    var off = (a('mode') || 'on') != 'on' || !url || n.doNotTrack == '1' || w.doNotTrack == '1' ||
      n.globalPrivacyControl === true;
    var tab = '', q = [], timer = 0, template = null, last = null;
    for (var i = 0; i < 4; i++) tab += Math.random().toString(16).slice(2, 6);
    if (key) url = url.replace(/\/$/, '') + '/v1/batch';
    var body = function (events) {
      if (!key) return { v: 1, tab: tab, events: events };
      // Direct to a Beacon server: Segment-shaped events under the backend's installation id.
      var ctx = { library: { name: 'beacon-js', version: '1' } }, b = [];
      for (var j = 0; j < events.length; j++) {
        var e = events[j];
        b.push(e.t == 'page'
          ? { type: 'page', name: e.r, properties: { route: e.r }, anonymousId: inst, context: ctx }
          : { type: 'track', event: e.e, properties: e.p || {}, anonymousId: inst, context: ctx });
      }
      return { writeKey: key, batch: b };
    };
    var send = function () {
      clearTimeout(timer);
      timer = 0;
      if (!q.length) return;
      var data = JSON.stringify(body(q.splice(0, 20)));
      try {
        // keepalive outlives the page; a failure stops this page's sends (text/plain: no preflight)
        if (w.fetch) {
          w.fetch(url, { method: 'POST', body: data, keepalive: true, credentials: 'omit', mode: 'no-cors' })
            .then(null, function () { off = 1; q = []; });
        } else if (n.sendBeacon) n.sendBeacon(url, data);
      } catch (x) {}
      if (q.length) timer = setTimeout(send, 1000);
    };
    var push = function (e) {
      if (off || q.length >= 100) return;
      q.push(e);
      if (!timer) timer = setTimeout(send, 1000);
    };
    var page = function (route) {
      if (typeof route == 'string' && route != last) {
        last = route;
        push({ t: 'page', r: route });
      }
    };
    var auto = function () {
      try { if (template) page(template(w.location.pathname, w.location.hash)); } catch (x) {}
    };
    var wrap = function (h, m) {
      var f = h[m];
      h[m] = function () {
        var r = f.apply(this, arguments);
        auto();
        return r;
      };
    };
    w.beacon = {
      page: function (route) { try { page(route); } catch (x) {} },
      track: function (name, props) {
        try { if (typeof name == 'string') push({ t: 'track', e: name, p: props || undefined }); } catch (x) {}
      },
      // The app's function from a path to its route template: page views on every navigation.
      routes: function (fn) {
        if (template || typeof fn != 'function') return;
        template = fn;
        try {
          wrap(w.history, 'pushState');
          wrap(w.history, 'replaceState');
          w.addEventListener('popstate', auto);
          w.addEventListener('hashchange', auto);
        } catch (x) {}
        auto();
      }
    };
    w.addEventListener('pagehide', send);
    d.addEventListener('visibilitychange', function () { if (d.visibilityState == 'hidden') send(); });
  } catch (x) {}
})(window, document, navigator);

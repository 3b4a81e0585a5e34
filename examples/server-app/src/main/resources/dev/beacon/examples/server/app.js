// The example's web UI: a login form and a few routes, DC/OS-like. Telemetry is two calls:
// beacon.routes(template) for page views, beacon.track('login') after a login.
(function () {
  var main = document.getElementById('main');
  var services = ['kv-store', 'gateway', 'scheduler'];
  var nodes = ['10.0.0.7', '10.0.0.8'];

  // A path of this UI to its route template: ids and names become [id].
  function template(path) {
    return path.replace(/^\/ui\/(services|nodes)\/[^/]+/, '/ui/$1/[id]');
  }

  function link(href, text) {
    var a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  function list(base, items) {
    var ul = document.createElement('ul');
    items.forEach(function (item) {
      var li = document.createElement('li');
      li.append(link(base + '/' + encodeURIComponent(item), item));
      ul.append(li);
    });
    return ul;
  }

  function show(path) {
    var h = document.createElement('h1');
    var parts = path.split('/');
    main.replaceChildren(h);
    if (path === '/ui/login' || path === '/' || path === '/ui') {
      h.textContent = 'Log in';
      var form = document.createElement('form');
      form.innerHTML = '<label>User <input name="user" autocomplete="username"></label>' +
        '<label>Password <input name="password" type="password" autocomplete="current-password"></label><button>Log in</button>';
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        // What telemetry gets of a login: that one happened. Never who.
        if (window.beacon) beacon.track('login');
        document.getElementById('nav').hidden = false;
        go('/ui/dashboard');
      });
      main.append(form);
    } else if (parts[2] === 'services' && parts[3]) {
      h.textContent = 'Service ' + decodeURIComponent(parts[3]);
      main.append(link(path + '/tasks', 'Tasks'));
    } else if (parts[2] === 'services') {
      h.textContent = 'Services';
      main.append(list('/ui/services', services));
    } else if (parts[2] === 'nodes' && parts[3]) {
      h.textContent = 'Node ' + decodeURIComponent(parts[3]);
    } else if (parts[2] === 'nodes') {
      h.textContent = 'Nodes';
      main.append(list('/ui/nodes', nodes));
    } else {
      h.textContent = parts[2] === 'settings' ? 'Settings' : 'Dashboard';
    }
  }

  function go(path) {
    history.pushState({}, '', path);
    show(path);
  }

  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a');
    if (a && a.getAttribute('href').indexOf('/ui/') === 0) {
      e.preventDefault();
      go(a.getAttribute('href'));
    }
  });
  window.addEventListener('popstate', function () { show(location.pathname); });
  // beacon.js loads deferred, after this script: hand it the templates once it is there.
  window.addEventListener('DOMContentLoaded', function () {
    if (window.beacon) beacon.routes(template);
  });
  show(location.pathname);
})();

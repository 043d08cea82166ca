// motcua dashboard: live alerts (EventSource on /v1/alerts/stream, authorised by the session
// cookie), one-click acknowledge, and the trend chart. Pages read fine without this script.
(() => {
  const csrf = document.body.dataset.csrf || '';
  const announcer = document.getElementById('live-announcer');
  const baseTitle = document.title;
  let unseenViolations = 0;

  const announce = (text) => {
    if (announcer) announcer.textContent = text;
  };
  const badge = () => {
    document.title = unseenViolations > 0 ? `(${unseenViolations}) ⚠ ${baseTitle}` : baseTitle;
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      unseenViolations = 0;
      badge();
    }
  });
  const beep = () => {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.35);
    } catch {
      /* no sound available */
    }
  };

  // ── Cảnh báo ────────────────────────────────────────────────────────────────────────────
  const rows = document.getElementById('alert-rows');
  const table = document.getElementById('alerts');
  const empty = document.getElementById('alerts-empty');
  const status = document.getElementById('live-status');

  /** Re-renders the rows of one dossier's alerts from the server (escaped there). */
  const refreshDossier = async (dossierCode, highlightId) => {
    const res = await fetch(`/canh-bao/dong?dossier=${encodeURIComponent(dossierCode)}`, {
      credentials: 'same-origin',
    });
    if (!res.ok) return;
    const tpl = document.createElement('template');
    tpl.innerHTML = await res.text();
    const onlyOpen = table && table.dataset.state === 'open';
    for (const tr of Array.from(tpl.content.querySelectorAll('tr[data-alert-id]'))) {
      const id = tr.dataset.alertId;
      const existing = rows.querySelector(`tr[data-alert-id="${CSS.escape(id)}"]`);
      // The open view keeps a row the user just acknowledged; a closed alert (the dossier is no
      // longer late) leaves it.
      const keep =
        !onlyOpen ||
        tr.classList.contains('open') ||
        (id === highlightId && !tr.classList.contains('closed'));
      if (existing) {
        if (keep) existing.replaceWith(tr);
        else existing.remove();
      } else if (keep && tr.classList.contains('open')) {
        rows.prepend(tr);
      }
      if (id === highlightId) tr.classList.add('fresh');
    }
    if (empty) empty.hidden = rows.children.length > 0;
  };

  const vnTime = (iso) => {
    const d = new Date(new Date(iso).getTime() + 7 * 3600 * 1000);
    if (Number.isNaN(d.getTime())) return '—';
    const p = (n) => String(n).padStart(2, '0');
    return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())} ${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
  };
  const cell = (tr, text) => {
    const td = document.createElement('td');
    if (text !== undefined) td.textContent = text;
    tr.append(td);
    return td;
  };
  /**
   * A new alert's row at once, from the event itself (text only, never markup); the server's row
   * (working hours left, names) replaces it a moment later.
   */
  const showAtOnce = (alert) => {
    if (rows.querySelector(`tr[data-alert-id="${CSS.escape(alert.id)}"]`)) return;
    const tr = document.createElement('tr');
    tr.dataset.alertId = alert.id;
    tr.dataset.kind = alert.kind;
    tr.className = `open fresh kind-${alert.kind}`;
    cell(tr, alert.label || alert.kind);
    const link = document.createElement('a');
    link.href = `/ho-so/${encodeURIComponent(alert.dossierCode)}`;
    link.textContent = alert.dossierCode;
    cell(tr).append(link);
    cell(tr, alert.agencyCode || '—');
    const dueAt = alert.details?.dueAt;
    cell(tr, dueAt ? `Hạn: ${vnTime(dueAt)}` : '—');
    cell(tr, alert.level ? `Cấp ${alert.level}` : 'Tại cơ quan');
    cell(tr, vnTime(alert.raisedAt));
    cell(tr, 'Chưa xác nhận');
    rows.prepend(tr);
    if (empty) empty.hidden = true;
  };

  if (rows && window.EventSource) {
    const source = new EventSource('/v1/alerts/stream');
    source.addEventListener('open', () => {
      if (status) {
        status.textContent = 'Đang cập nhật trực tiếp';
        status.className = 'tag ok';
      }
      document.body.dataset.live = 'on';
    });
    source.addEventListener('error', () => {
      if (!status) return;
      // The server ends the stream when the session ends (logout, expiry, revoked key); the
      // browser's reconnect then gets 401 and gives up (CLOSED).
      if (source.readyState === EventSource.CLOSED) {
        status.textContent = 'Phiên đăng nhập đã kết thúc: tải lại trang để đăng nhập lại';
        status.className = 'tag late';
        return;
      }
      status.textContent = 'Mất kết nối, đang thử lại…';
      status.className = 'tag soon';
    });
    const onChange = (event) => {
      let alert;
      try {
        alert = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!alert?.dossierCode) return;
      if (event.type === 'raised') showAtOnce(alert);
      void refreshDossier(alert.dossierCode, alert.id);
      if (event.type === 'raised') {
        announce(`Cảnh báo mới: ${alert.label || alert.kind}, hồ sơ ${alert.dossierCode}`);
        if (alert.kind === 'overdue_without_apology') {
          unseenViolations += 1;
          badge();
          beep();
        }
      }
    };
    for (const change of ['raised', 'escalated', 'acknowledged', 'closed'])
      source.addEventListener(change, onChange);
  }

  // One-click acknowledge (the form posts without JavaScript too).
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('ack')) return;
    event.preventDefault();
    const id = form.dataset.alertId;
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    const res = await fetch(`/v1/alerts/${encodeURIComponent(id)}/ack`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    const tr = form.closest('tr');
    if (res.ok || res.status === 409) {
      const alert = res.ok ? await res.json() : null;
      announce('Đã xác nhận cảnh báo.');
      if (alert?.dossierCode) await refreshDossier(alert.dossierCode, id);
      else if (tr) tr.remove();
    } else {
      if (button) button.disabled = false;
      announce('Không xác nhận được cảnh báo.');
    }
  });

  // ── Chỉ số: the trend chart (uPlot, served locally) ─────────────────────────────────────
  const dataNode = document.getElementById('trend-data');
  const chartNode = document.getElementById('trend-chart');
  if (dataNode && chartNode) {
    const draw = () => {
      if (!window.uPlot) return;
      const data = JSON.parse(dataNode.textContent || '{}');
      const xs = data.months.map(
        (m) => Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 15) / 1000,
      );
      const colors = ['#0b5cad', '#1a7f37', '#8250df', '#bf3989', '#b35900', '#0a7d8c', '#57606a'];
      const width = Math.max(300, Math.min(chartNode.clientWidth || 900, 1300));
      chartNode.textContent = '';
      new window.uPlot(
        {
          width,
          height: 300,
          scales: { y: { range: [0, 100] } },
          axes: [
            {
              values: (_u, ticks) =>
                ticks.map((t) => {
                  const d = new Date(t * 1000);
                  return `${d.getUTCMonth() + 1}/${d.getUTCFullYear()}`;
                }),
            },
            { values: (_u, ticks) => ticks.map((t) => `${t}%`) },
          ],
          series: [
            {
              label: 'Tháng',
              value: (_u, t) =>
                t == null
                  ? ''
                  : `${new Date(t * 1000).getUTCMonth() + 1}/${new Date(t * 1000).getUTCFullYear()}`,
            },
            ...data.series.map((s, i) => ({
              label: s.label,
              stroke: colors[i % colors.length],
              width: 2,
              spanGaps: true,
              value: (_u, v) => (v == null ? '—' : `${v.toFixed(1)}%`),
            })),
          ],
        },
        [xs, ...data.series.map((s) => s.values.map((v) => (v == null ? null : v * 100)))],
        chartNode,
      );
    };
    if (window.uPlot) draw();
    else window.addEventListener('load', draw);
  }
})();

// The shopper page: microphone -> 16 kHz PCM over /ws, the server's events -> the page,
// the assistant's audio chunks -> back-to-back playback that stops at once on `clear`.
// Plain JS, no build step, nothing loaded from outside this server.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const ui = {
    talk: $('talk'),
    talkLabel: document.querySelector('#talk .talk-label'),
    talkLevel: document.querySelector('#talk .talk-level'),
    handoff: $('handoff'),
    state: $('state'),
    language: $('language'),
    partial: $('partial'),
    transcript: $('transcript'),
    reply: $('reply'),
    products: $('products'),
    productsTitle: $('products-title'),
    notice: $('notice'),
    errors: $('errors'),
    emptyHint: $('empty-hint'),
    conversation: document.querySelector('.conversation'),
  };

  const MAX_EVENTS = 200;
  const MAX_QUEUED_FRAMES = 50; // 1 s of mic audio kept while the socket opens
  const START_LEAD_S = 0.03; // schedule a chunk this far ahead of "now" so its start is not clipped

  // Test and debugging hook (read by tests/test_browser_page.py).
  const hook = {
    chunksReceived: 0, // audio chunks that arrived (header + samples)
    chunksStarted: 0, // chunks whose playback began
    chunksPlayed: 0, // chunks that played to the end and were acknowledged with `played`
    chunksStopped: 0, // chunks cut (playing or scheduled) by `clear`
    clears: 0,
    playing: false,
    framesSent: 0,
    micOn: false,
    connected: false,
    state: 'idle',
    session: null,
    sampleRate: null, // the capture context's rate
    outputPeak: 0, // highest output level (RMS) measured while playing
    lastClear: null, // {stopped, levelAtClear, levelAfter}: the output level when `clear` came and 100 ms later
    outputLevel: () => outputLevel(),
    events: [], // the last MAX_EVENTS JSON messages received, each stamped with `_at` (ms since load)
    log: [], // page-side playback milestones: {at, what, seq}
  };
  window.voiceAssistant = hook;

  const STATE_LABELS = {
    idle: 'Press Talk to start',
    connecting: 'Connecting…',
    listening: 'Listening',
    user_speaking: 'Hearing you…',
    thinking: 'Thinking…',
    speaking: 'Speaking',
    handed_off: 'A person is coming',
    closed: 'Conversation ended',
    disconnected: 'Disconnected — press Talk to reconnect',
    mic_off: 'Microphone off',
  };

  let ws = null;
  let wsOpen = null; // promise resolved when the socket opens
  let queuedFrames = [];
  let audioCtx = null;
  let micNode = null;
  let output = null; // GainNode every chunk plays through
  let analyser = null; // taps `output`: the level actually played
  let levelBuf = null;
  let levelTimer = 0;
  let micStream = null;
  let micSource = null;
  let starting = false;
  let serverState = 'listening';

  // Playback.
  let pendingAudio = null; // the `audio` header whose samples are the next binary frame
  let playHead = 0; // context time at which the next chunk starts
  let scheduled = []; // chunks scheduled or playing
  let replySerial = 0; // counts `reply` events; a chunk belongs to the reply before it
  let shownSerial = -1; // the reply whose paragraph is on screen
  let replyLine = null;
  const replies = new Map(); // serial -> {text, chunks, cleared}

  // ---- page state ------------------------------------------------------------------------

  function setState(state) {
    hook.state = state;
    ui.state.dataset.state = state;
    ui.state.textContent = STATE_LABELS[state] || state.replace(/_/g, ' ');
    document.body.dataset.state = state;
  }

  function showServerState(state) {
    serverState = state;
    if (state === 'listening' && !hook.micOn && hook.connected) setState('mic_off');
    else setState(state);
    ui.handoff.disabled = state === 'handed_off';
  }

  function languageName(code) {
    try {
      const name = new Intl.DisplayNames([code], { type: 'language' }).of(code);
      return name ? name.charAt(0).toLocaleUpperCase(code) + name.slice(1) : code;
    } catch (_) {
      return code;
    }
  }

  function setLanguage(code) {
    if (!code) return;
    const base = String(code).toLowerCase();
    if (ui.language.dataset.code === base) return;
    ui.language.dataset.code = base;
    ui.language.textContent = languageName(base);
    ui.language.title = `Language we heard: ${languageName(base)} (${base})`;
    ui.language.lang = base;
    ui.language.hidden = false;
  }

  function started() {
    ui.emptyHint.hidden = true;
    ui.conversation.classList.add('started');
  }

  function scrollConversation() {
    const c = ui.conversation;
    c.scrollTop = c.scrollHeight;
  }

  function showPartial(committed, tentative) {
    ui.partial.replaceChildren();
    if (!committed && !tentative) return;
    started();
    const a = document.createElement('span');
    a.className = 'committed';
    a.textContent = committed || '';
    const b = document.createElement('span');
    b.className = 'tentative';
    b.textContent = tentative ? (committed ? ' ' : '') + tentative : '';
    ui.partial.append(a, b);
    scrollConversation();
  }

  function addTranscript(text, language) {
    started();
    const li = document.createElement('li');
    li.className = 'line';
    li.textContent = text;
    if (language) li.lang = language;
    ui.transcript.append(li);
    while (ui.transcript.children.length > 50) ui.transcript.firstElementChild.remove();
    scrollConversation();
  }

  function replyParagraph(serial) {
    if (serial === shownSerial && replyLine) return replyLine;
    shownSerial = serial;
    replyLine = document.createElement('p');
    replyLine.className = 'line';
    const info = replies.get(serial);
    if (info && info.language) replyLine.lang = info.language;
    ui.reply.append(replyLine);
    while (ui.reply.children.length > 50) ui.reply.firstElementChild.remove();
    started();
    return replyLine;
  }

  function appendSpoken(serial, text) {
    if (!text) return;
    const p = replyParagraph(serial);
    p.textContent = p.textContent ? `${p.textContent} ${text.trim()}` : text.trim();
    scrollConversation();
  }

  function formatPrice(price, currency, language) {
    const amount = Number(price);
    if (!Number.isFinite(amount)) return `${price} ${currency || ''}`.trim();
    try {
      const format = new Intl.NumberFormat(language || undefined, { style: 'currency', currency: currency || 'USD' });
      return format.format(amount);
    } catch (_) {
      return `${amount.toFixed(2)} ${currency || ''}`.trim();
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function renderProducts(products, language) {
    if (!Array.isArray(products) || products.length === 0) return; // keep the last ones shown
    started();
    ui.products.replaceChildren();
    for (const p of products.slice(0, 6)) {
      const card = el('li', 'product-card');
      card.dataset.productId = p.id || '';
      const label = (p.brand || p.title || '?').trim();
      const thumb = el('div', 'thumb', label.charAt(0).toUpperCase());
      thumb.setAttribute('aria-hidden', 'true');
      thumb.style.setProperty('--hue', String(hashHue(p.category || p.title || '')));
      const info = el('div', 'info');
      info.append(el('h3', 'title', p.title || ''));
      const sub = [p.brand, p.category].filter(Boolean).join(' · ');
      if (sub) info.append(el('p', 'brand', sub));
      const priceRow = el('p', 'price-row');
      priceRow.append(el('span', 'price', formatPrice(p.price, p.currency, language)));
      if (p.compare_at_price && p.discount_percent) {
        const was = el('s', 'compare', formatPrice(p.compare_at_price, p.currency, language));
        was.setAttribute('aria-label', `was ${was.textContent}`);
        priceRow.append(was, el('span', 'discount', `−${p.discount_percent}%`));
      }
      info.append(priceRow);
      const meta = el('p', 'meta');
      if (typeof p.rating === 'number') {
        const r = el('span', 'rating', `★ ${p.rating.toFixed(1)}`);
        const by = p.rating_count ? ` by ${p.rating_count} shoppers` : '';
        r.setAttribute('aria-label', `rated ${p.rating.toFixed(1)} of 5${by}`);
        if (p.rating_count) r.append(el('span', 'count', ` (${p.rating_count})`));
        meta.append(r);
      }
      const inStock = !!p.in_stock;
      meta.append(el('span', `stock ${inStock ? 'in' : 'out'}`, inStock ? 'In stock' : 'Out of stock'));
      info.append(meta);
      const options = p.options && typeof p.options === 'object' ? Object.entries(p.options) : [];
      const shown = options.filter(([, values]) => Array.isArray(values) && values.length).slice(0, 2);
      if (shown.length) {
        const opts = el('p', 'options');
        const describe = ([name, values]) => {
          const listed = values.slice(0, 5).join(', ') + (values.length > 5 ? '…' : '');
          return `${name.charAt(0).toUpperCase()}${name.slice(1)}: ${listed}`;
        };
        opts.textContent = shown.map(describe).join(' · ');
        info.append(opts);
      }
      card.append(thumb, info);
      ui.products.append(card);
    }
    ui.productsTitle.hidden = false;
  }

  function hashHue(text) {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  function showNotice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = false;
  }

  function showError(text, code) {
    const item = el('div', 'error', text);
    if (code) item.dataset.code = code;
    ui.errors.append(item);
    while (ui.errors.children.length > 3) ui.errors.firstElementChild.remove();
    setTimeout(() => item.remove(), 8000);
  }

  const ERROR_TEXT = {
    turn_failed: 'Sorry, something went wrong answering that. Please ask again.',
    not_ready: 'The assistant is still starting. Please press Talk again in a moment.',
    bad_audio: 'The microphone audio could not be read.',
    too_large: 'The microphone audio could not be sent.',
  };

  function handoffText() {
    return 'A person from our team is taking over. '
      + 'They can see what we talked about, so you won’t need to repeat yourself.';
  }

  // ---- socket ----------------------------------------------------------------------------

  function wsUrl() {
    // The browser's language helps the server when a short first utterance is hard to place.
    const lang = encodeURIComponent(navigator.language || '');
    return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws?lang=${lang}`;
  }

  function connect() {
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return wsOpen;
    setState('connecting');
    const socket = new WebSocket(wsUrl());
    socket.binaryType = 'arraybuffer';
    ws = socket;
    wsOpen = new Promise((resolve, reject) => {
      socket.onopen = () => {
        hook.connected = true;
        for (const frame of queuedFrames) socket.send(frame);
        hook.framesSent += queuedFrames.length;
        queuedFrames = [];
        resolve();
      };
      socket.onerror = () => reject(new Error('could not reach the assistant'));
    });
    wsOpen.catch(() => {});
    socket.onmessage = (e) => {
      if (socket !== ws) return;
      if (typeof e.data === 'string') onJson(e.data);
      else onBinary(e.data);
    };
    socket.onclose = (e) => {
      if (socket !== ws) return;
      hook.connected = false;
      ws = null;
      queuedFrames = [];
      pendingAudio = null;
      stopPlayback(false);
      stopMic();
      setState(serverState === 'handed_off' ? 'handed_off' : 'disconnected');
      // 1013: the server is still loading its models; its `error` event already said so.
      if (e.code !== 1000 && e.code !== 1005 && e.code !== 1013 && serverState !== 'handed_off') {
        showError(e.reason ? `Connection closed: ${e.reason}` : 'The connection to the assistant was lost.');
      }
    };
    return wsOpen;
  }

  function sendJson(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
  }

  function sendFrame(buffer) {
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount > 1 << 20) return; // the network is stalled: drop, do not pile up
      ws.send(buffer);
      hook.framesSent++;
    } else if (ws.readyState === WebSocket.CONNECTING) {
      queuedFrames.push(buffer);
      if (queuedFrames.length > MAX_QUEUED_FRAMES) queuedFrames.shift();
    }
  }

  function onJson(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (_) {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    msg._at = Math.round(performance.now()); // ms since the page loaded (for debugging and the test)
    hook.events.push(msg);
    if (hook.events.length > MAX_EVENTS) hook.events.splice(0, hook.events.length - MAX_EVENTS);
    switch (msg.type) {
      case 'ready':
        hook.session = msg.session || null;
        showServerState(serverState === 'handed_off' ? 'handed_off' : 'listening');
        break;
      case 'state':
        showServerState(msg.state);
        break;
      case 'partial':
        showPartial(msg.committed || '', msg.tentative || '');
        setLanguage(msg.language);
        break;
      case 'transcript':
        showPartial('', '');
        addTranscript(msg.text || '', msg.language);
        setLanguage(msg.language);
        break;
      case 'no_speech':
        showPartial('', '');
        break;
      case 'reply':
        replySerial++;
        replies.set(replySerial, { text: msg.text || '', language: msg.language, chunks: 0, cleared: false });
        if (replies.size > 20) replies.delete(replies.keys().next().value);
        renderProducts(msg.products, msg.language);
        break;
      case 'reply_done': {
        // A reply that came with no audio at all (no voice for it) is still shown as text.
        const info = replies.get(replySerial);
        if (info && info.chunks === 0 && !info.cleared && info.text && shownSerial !== replySerial) {
          appendSpoken(replySerial, info.text);
        }
        break;
      }
      case 'audio':
        pendingAudio = msg;
        break;
      case 'clear':
        pendingAudio = null;
        hook.clears++;
        stopPlayback(true);
        break;
      case 'barge_in':
        if (replyLine && shownSerial === replySerial) replyLine.classList.add('cut');
        break;
      case 'handoff':
        showNotice(handoffText());
        setLanguage(msg.language);
        break;
      case 'error':
        showError(ERROR_TEXT[msg.code] || msg.message || 'Something went wrong.', msg.code);
        break;
      default:
        break;
    }
  }

  function onBinary(data) {
    const header = pendingAudio;
    pendingAudio = null;
    if (!header) return; // samples without a header: nothing to play them as
    playChunk(header, data);
  }

  // ---- playback --------------------------------------------------------------------------

  function playChunk(header, data) {
    hook.chunksReceived++;
    const serial = replySerial;
    const info = replies.get(serial);
    if (info) info.chunks++;
    if (!audioCtx) return;
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {}); // e.g. a phone woke the tab
    const view = new DataView(data);
    const n = data.byteLength >> 1;
    if (n === 0) return;
    const rate = header.sample_rate || 22050;
    const buffer = audioCtx.createBuffer(1, n, rate);
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < n; i++) samples[i] = view.getInt16(2 * i, true) / 32768;
    const source = audioCtx.createBufferSource();
    source.buffer = buffer;
    source.connect(output);
    const now = audioCtx.currentTime;
    const at = Math.max(now + START_LEAD_S, playHead);
    playHead = at + buffer.duration;
    const item = { source, seq: header.seq, text: header.text || '', serial, started: false, stopped: false, timer: 0 };
    source.onended = () => chunkEnded(item);
    source.start(at);
    scheduled.push(item);
    item.timer = setTimeout(() => chunkStarted(item), Math.max(0, (at - now) * 1000));
  }

  function chunkStarted(item) {
    if (item.started || item.stopped) return;
    item.started = true;
    hook.chunksStarted++;
    note('started', item.seq);
    setPlaying(true);
    appendSpoken(item.serial, item.text);
  }

  function chunkEnded(item) {
    if (item.stopped) return; // cut by clear: never heard to the end, so never acknowledged
    clearTimeout(item.timer);
    chunkStarted(item);
    scheduled = scheduled.filter((x) => x !== item);
    hook.chunksPlayed++;
    note('played', item.seq);
    sendJson({ type: 'played', seq: item.seq });
    if (scheduled.length === 0) setPlaying(false);
  }

  function note(what, seq) {
    hook.log.push({ at: Math.round(performance.now()), what, seq });
    if (hook.log.length > MAX_EVENTS) hook.log.shift();
  }

  function setPlaying(on) {
    hook.playing = on;
    document.body.classList.toggle('playing', on);
    if (on && !levelTimer) {
      levelTimer = setInterval(() => {
        hook.outputPeak = Math.max(hook.outputPeak, outputLevel());
      }, 50);
    } else if (!on && levelTimer) {
      clearInterval(levelTimer);
      levelTimer = 0;
    }
  }

  function outputLevel() {
    if (!analyser) return 0;
    analyser.getFloatTimeDomainData(levelBuf);
    let sum = 0;
    for (let i = 0; i < levelBuf.length; i++) sum += levelBuf[i] * levelBuf[i];
    return Math.sqrt(sum / levelBuf.length);
  }

  // Stop everything playing or scheduled, at once. `counted` is true for a server `clear`.
  function stopPlayback(counted) {
    const items = scheduled;
    scheduled = [];
    if (counted) {
      const record = { stopped: items.length, levelAtClear: outputLevel(), levelAfter: null };
      hook.lastClear = record;
      setTimeout(() => {
        record.levelAfter = outputLevel();
      }, 100);
    }
    for (const item of items) {
      item.stopped = true;
      clearTimeout(item.timer);
      try {
        item.source.stop();
      } catch (_) {
        /* never started */
      }
      item.source.disconnect();
      if (counted) {
        hook.chunksStopped++;
        note(item.started ? 'stopped' : 'dropped', item.seq);
      }
    }
    if (counted) {
      const info = replies.get(replySerial);
      if (info) info.cleared = true;
    }
    playHead = audioCtx ? audioCtx.currentTime : 0;
    setPlaying(false);
  }

  // ---- microphone ------------------------------------------------------------------------

  async function ensureAudio() {
    if (!audioCtx) {
      audioCtx = new AudioContext({ latencyHint: 'interactive' });
      hook.sampleRate = audioCtx.sampleRate;
      output = audioCtx.createGain();
      output.connect(audioCtx.destination);
      analyser = audioCtx.createAnalyser();
      analyser.fftSize = 2048;
      levelBuf = new Float32Array(analyser.fftSize);
      output.connect(analyser);
    }
    if (audioCtx.state === 'suspended') await audioCtx.resume();
    if (!micNode) {
      await audioCtx.audioWorklet.addModule('/static/mic-worklet.js');
      micNode = new AudioWorkletNode(audioCtx, 'mic-capture', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: 'explicit',
        channelInterpretation: 'speakers',
      });
      micNode.port.onmessage = (e) => {
        const { pcm, level } = e.data || {};
        if (pcm && hook.micOn) sendFrame(pcm);
        if (typeof level === 'number') showLevel(level);
      };
      // The node writes no output; connecting it keeps the graph pulling it.
      micNode.connect(audioCtx.destination);
    }
  }

  function showLevel(rms) {
    const v = Math.min(1, Math.sqrt(rms) * 2.2);
    ui.talkLevel.style.transform = `scale(${1 + (hook.micOn ? v : 0) * 0.45})`;
  }

  async function startMic() {
    if (starting) return;
    starting = true;
    ui.talk.disabled = true;
    try {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
        });
      } catch (err) {
        const denied = err && (err.name === 'NotAllowedError' || err.name === 'SecurityError');
        const why = err && err.message ? err.message : String(err);
        showError(denied ? 'Please allow the microphone to talk with the assistant.' : `Microphone unavailable: ${why}`);
        return;
      }
      micStream = stream;
      await ensureAudio(); // created after getUserMedia succeeded: the context is allowed to play
      micSource = audioCtx.createMediaStreamSource(stream);
      micSource.connect(micNode);
      hook.micOn = true;
      setTalk(true);
      connect();
      if (ws && ws.readyState === WebSocket.OPEN) showServerState(serverState);
    } catch (err) {
      showError(`Could not start: ${err && err.message ? err.message : err}`);
      stopMic();
    } finally {
      starting = false;
      ui.talk.disabled = false;
    }
  }

  function stopMic() {
    hook.micOn = false;
    if (micSource) {
      try {
        micSource.disconnect();
      } catch (_) {
        /* already */
      }
      micSource = null;
    }
    if (micStream) {
      for (const track of micStream.getTracks()) track.stop();
      micStream = null;
    }
    setTalk(false);
    showLevel(0);
    if (hook.connected && serverState === 'listening') setState('mic_off');
  }

  function setTalk(on) {
    ui.talk.setAttribute('aria-pressed', on ? 'true' : 'false');
    ui.talk.setAttribute('aria-label', on ? 'Stop: turn the microphone off' : 'Talk: start the microphone');
    ui.talkLabel.textContent = on ? 'Stop' : 'Talk';
    ui.talk.classList.toggle('on', on);
  }

  ui.talk.addEventListener('click', () => {
    if (hook.micOn) stopMic();
    else startMic();
  });

  ui.handoff.addEventListener('click', async () => {
    ui.handoff.disabled = true;
    try {
      await ensureAudio(); // in the click, so the "a person is coming" message can play
      await connect();
      sendJson({ type: 'handoff' });
      started();
    } catch (err) {
      showError('Could not reach the assistant to ask for a person.');
      ui.handoff.disabled = false;
    }
  });

  window.addEventListener('pagehide', () => {
    sendJson({ type: 'bye' });
  });

  if (!window.isSecureContext || !navigator.mediaDevices || !window.AudioWorkletNode) {
    showError('This page needs a secure (https) connection and a current browser to use the microphone.');
  }
  setState('idle');
})();

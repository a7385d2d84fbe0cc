// Microphone capture in the audio thread: low-pass, resample from the context's own rate
// (`sampleRate`, whatever the browser chose: 44.1 kHz, 48 kHz, ...) to 16 kHz, and post
// 20 ms frames of 16-bit little-endian PCM (320 samples, 640 bytes) to the page.

const OUT_RATE = 16000;
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz
const LEVEL_EVERY = 5; // report the input level every 5 frames (100 ms)

// Blackman-windowed sinc low-pass at `cutoffHz`, unit DC gain.
function designLowpass(inRate, cutoffHz, taps) {
  const h = new Float32Array(taps);
  const fc = cutoffHz / inRate; // cycles per input sample
  const mid = (taps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i];
  }
  for (let i = 0; i < taps; i++) h[i] /= sum;
  return h;
}

class MicProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.inRate = sampleRate; // global of AudioWorkletGlobalScope: the context's real rate
    this.step = this.inRate / OUT_RATE; // input samples per output sample
    this.passthrough = this.inRate === OUT_RATE;
    // Filter only when downsampling; keep well under the 8 kHz Nyquist of the output.
    const taps = this.inRate > OUT_RATE ? 2 * Math.ceil(12 * this.step) + 1 : 1;
    this.taps = taps > 1 ? designLowpass(this.inRate, 0.44 * OUT_RATE, taps) : new Float32Array([1]);
    // FIR history written twice (ring of n kept contiguous) so the dot product needs no modulo.
    this.n = this.taps.length;
    this.hist = new Float32Array(2 * this.n);
    this.pos = 0;
    // Linear interpolation between consecutive filtered samples: `prev` sits at 0, the new one at 1,
    // `t` is where the next output sample falls.
    this.prev = 0;
    this.t = 1;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.fill = 0;
    this.frames = 0;
    this.sumSquares = 0;
    this.levelCount = 0;
  }

  filter(x) {
    const n = this.n;
    if (n === 1) return x;
    const hist = this.hist;
    hist[this.pos] = x;
    hist[this.pos + n] = x;
    const h = this.taps;
    const base = this.pos + 1; // oldest sample
    let acc = 0;
    for (let k = 0; k < n; k++) acc += h[k] * hist[base + k];
    this.pos = this.pos + 1 === n ? 0 : this.pos + 1;
    return acc;
  }

  emit(v) {
    const s = v >= 1 ? 32767 : v <= -1 ? -32768 : Math.round(v * 32767);
    this.frame[this.fill++] = s;
    this.sumSquares += v * v;
    this.levelCount++;
    if (this.fill === FRAME_SAMPLES) {
      const buffer = this.frame.buffer; // Int16Array is little-endian on every platform browsers run on
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.fill = 0;
      this.frames++;
      let level;
      if (this.frames % LEVEL_EVERY === 0) {
        level = Math.sqrt(this.sumSquares / Math.max(1, this.levelCount));
        this.sumSquares = 0;
        this.levelCount = 0;
      }
      this.port.postMessage({ pcm: buffer, level }, [buffer]);
    }
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true; // no source connected (microphone off)
    const channels = input.length;
    const len = input[0].length;
    for (let i = 0; i < len; i++) {
      let x = input[0][i];
      if (channels > 1) {
        for (let c = 1; c < channels; c++) x += input[c][i];
        x /= channels;
      }
      if (this.passthrough) {
        this.emit(x);
        continue;
      }
      const y = this.filter(x);
      while (this.t <= 1) {
        this.emit(this.prev + (y - this.prev) * this.t);
        this.t += this.step;
      }
      this.t -= 1;
      this.prev = y;
    }
    return true;
  }
}

registerProcessor('mic-capture', MicProcessor);

"""The transformers + torch engine: any Hugging Face causal LM on CPU, CUDA or MPS.

A bundled GGUF is dequantized once (slow: about a minute) and saved as a plain transformers folder in the
cache; later starts load that folder. Generation is a manual token loop on one worker thread per engine:
it keeps the KV cache of the last prompt and reuses its longest common prefix (the fixed system prompt,
earlier turns), and it checks the caller's cancel flag before every token, so nothing is generated after
the consumer goes away.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.llm.base import (
    ChatMessage,
    GenerationDone,
    GenerationStarted,
    LLMError,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolSpec,
)
from models.llm.chat_format import common_prefix, template_message, template_tool
from models.llm.settings import LLMEngineSettings
from models.llm.toolcalls import ToolCallScanner

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install torch==2.13.0 transformers gguf accelerate"
TOOLS_MIN_PARAMETERS = 1_000_000_000  # below this, models pick tools too unreliably (MODELS.md: 0.5B 5/10)
# End-of-turn tokens of common chat templates; a GGUF's config does not always list them as EOS.
_END_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>")


@dataclass
class _Stats:
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    cached_prompt_tokens: int
    first_token_s: float | None
    decode_tokens_per_s: float | None


@dataclass
class _Job:
    ids: list[int]
    max_tokens: int
    temperature: float
    cancel: threading.Event
    emit: Callable[[object], None]  # thread-safe: text (str), then _Stats or an exception
    started: float
    gate: threading.Lock = field(default_factory=threading.Lock)


class TransformersEngine:
    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        name: str,
        supports_tools: bool,
        context_tokens: int,
        loaded_from: str,
    ) -> None:
        import torch

        self._torch = torch
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.supports_tools = supports_tools
        self.context_tokens = context_tokens
        self.loaded_from = loaded_from  # the folder (or hub id) the weights came from
        self.tokens_generated = 0  # every token sampled by this engine, over its lifetime
        self._device = next(model.parameters()).device
        # transformers 5 renamed the KV-cache argument and output field (`past_key_values` -> `cache`).
        self._cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        self._stop_ids = _stop_ids(model, tokenizer)
        # One worker: generations run one at a time, in the order they were asked for.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-transformers")
        self._cache: Any = None  # KV cache (DynamicCache), worker thread only
        self._cache_ids: list[int] = []  # the tokens `_cache` holds
        self._current: _Job | None = None  # the job the worker is running
        # The fast tokenizer is not safe to use from two threads at once (the loop encodes, the worker decodes).
        self._tokenizer_lock = threading.Lock()
        self._closed = False

    # ---- loading -------------------------------------------------------------------------------------

    @classmethod
    def load(cls, settings: LLMEngineSettings) -> TransformersEngine:
        try:
            import torch
            import transformers
        except ImportError as e:
            raise LLMUnavailable(f"the transformers engine needs torch and transformers: {INSTALL_HINT} ({e})") from e
        device = _device(torch, settings.device)
        dtype = _dtype(torch, device)
        if settings.threads:
            torch.set_num_threads(settings.threads)  # process-wide: torch has one intra-op pool

        t0 = time.perf_counter()
        model, tokenizer, source, label = _load_weights(settings.model, torch, transformers)
        model = model.to(device=device, dtype=dtype).eval()
        log.info("transformers: %s loaded from %s in %.1f s on %s", label, source, time.perf_counter() - t0, device)
        supports_tools = settings.supports_tools
        if supports_tools is None:
            supports_tools = model.num_parameters() >= TOOLS_MIN_PARAMETERS
        return cls(
            model,
            tokenizer,
            name=f"transformers {label}",
            supports_tools=supports_tools,
            context_tokens=settings.context_tokens,
            loaded_from=source,
        )

    # ---- the LLMEngine interface ---------------------------------------------------------------------

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> AsyncIterator[StreamEvent]:
        started = time.perf_counter()
        if self._closed:
            raise LLMUnavailable(f"{self.name}: engine is closed")
        ids = self.prompt_ids(messages, tools, add_generation_prompt=True)
        room = self.context_tokens - len(ids)
        if room <= 0:
            raise LLMError(f"{self.name}: prompt has {len(ids)} tokens, context_tokens is {self.context_tokens}")

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        cancel = threading.Event()

        def emit(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the consumer's loop is gone: nobody is listening
                cancel.set()

        job = _Job(ids, min(max_tokens, room), temperature, cancel, emit, started)
        scanner = ToolCallScanner([t.name for t in tools])
        try:
            future: Future[None] = self._worker.submit(self._run, job)
        except RuntimeError as e:  # shut down by close()
            raise LLMUnavailable(f"{self.name}: engine is closed") from e

        def dropped(f: Future[None]) -> None:  # close() drops queued jobs: tell their consumers
            if f.cancelled():
                emit(LLMUnavailable(f"{self.name}: engine is closed"))

        future.add_done_callback(dropped)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, str):
                    if text := scanner.feed(item):
                        yield TextDelta(text)
                elif isinstance(item, GenerationStarted):
                    yield item
                elif isinstance(item, LLMError):
                    raise item
                elif isinstance(item, BaseException):
                    raise LLMError(f"{self.name}: generation failed: {item}") from item
                elif isinstance(item, _Stats):
                    rest, calls = scanner.finish()
                    if rest:
                        yield TextDelta(rest)
                    for call in calls:
                        yield call
                    yield GenerationDone(
                        finish_reason="tool_calls" if calls else item.finish_reason,
                        prompt_tokens=item.prompt_tokens,
                        completion_tokens=item.completion_tokens,
                        cached_prompt_tokens=item.cached_prompt_tokens,
                        first_token_s=item.first_token_s,
                        decode_tokens_per_s=item.decode_tokens_per_s,
                    )
                    return
        finally:
            # Closed, cancelled or finished: stop the worker before its next token; drop the job if queued.
            with job.gate:
                cancel.set()
            future.cancel()

    def warm_up(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()) -> None:
        ids = self.prompt_ids(messages, tools, add_generation_prompt=False)
        if ids and not self._closed:
            self._worker.submit(self._warm, ids).result()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if (job := self._current) is not None:  # stop the running generation at its next token
            with job.gate:
                job.cancel.set()
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._cache, self._cache_ids = None, []

    # ---- prompt --------------------------------------------------------------------------------------

    def prompt_ids(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = (), *, add_generation_prompt: bool = True
    ) -> list[int]:
        """The model's own chat template (the GGUF's, for a bundled model), tokenized."""
        chat = [template_message(m) for m in messages]
        tool_dicts = [template_tool(t) for t in tools] or None
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(
                chat, tools=tool_dicts, add_generation_prompt=add_generation_prompt, tokenize=False
            )
        else:  # a base model: plain "role: content" lines
            text = "".join(f"{m['role']}: {m['content']}\n" for m in chat)
            text += "assistant: " if add_generation_prompt else ""
        with self._tokenizer_lock:
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # ---- worker thread -------------------------------------------------------------------------------

    def _warm(self, ids: list[int]) -> None:
        with self._torch.inference_mode():
            self._prefill(ids)

    def _run(self, job: _Job) -> None:
        if job.cancel.is_set():  # cancelled while queued
            return
        self._current = job
        try:
            job.emit(GenerationStarted(time.perf_counter() - job.started))
            job.emit(self._generate(job))
        except BaseException as e:  # hand every failure to the consumer; the cache may be half-written
            self._cache, self._cache_ids = None, []
            job.emit(e)
        finally:
            self._current = None

    def _generate(self, job: _Job) -> _Stats:
        torch = self._torch
        generated: list[int] = []
        shown = ""
        finish = "length"
        first = last = None
        with torch.inference_mode():
            logits, cached = self._prefill(job.ids)
            while True:
                token = _pick(torch, logits, job.temperature)
                with job.gate:  # the consumer sets `cancel` under this lock: a token counts only before it
                    if job.cancel.is_set():
                        finish = "cancelled"
                        break
                    if token in self._stop_ids:
                        finish = "stop"
                        break
                    generated.append(token)
                    self.tokens_generated += 1
                last = time.perf_counter()
                first = first or last
                text = self._decode(generated)
                if not text.endswith("\ufffd") and len(text) > len(shown):  # hold a half UTF-8 character
                    job.emit(text[len(shown) :])
                    shown = text
                if len(generated) >= job.max_tokens or job.cancel.is_set():
                    finish = "length" if len(generated) >= job.max_tokens else "cancelled"
                    break
                logits = self._forward([token])
        if finish != "cancelled":
            text = self._decode(generated)
            if len(text) > len(shown):
                job.emit(text[len(shown) :])
        n = len(generated)
        return _Stats(
            finish_reason=finish,
            prompt_tokens=len(job.ids),
            completion_tokens=n,
            cached_prompt_tokens=cached,
            first_token_s=first - job.started if first else None,
            decode_tokens_per_s=(n - 1) / (last - first) if first and last and last > first else None,
        )

    def _decode(self, ids: list[int]) -> str:
        with self._tokenizer_lock:
            return self.tokenizer.decode(ids, skip_special_tokens=True)

    def _prefill(self, ids: list[int]) -> tuple[Any, int]:
        """Logits after `ids`, reusing the cached KV of their longest common prefix; (logits, reused)."""
        keep = 0
        if self._cache is not None:
            keep = max(0, min(common_prefix(self._cache_ids, ids), len(ids) - 1))  # feed at least one token
            try:
                if keep < len(self._cache_ids):
                    self._cache.crop(keep - len(self._cache_ids))  # negative: drop that many from the end
            except Exception:  # a cache kind that cannot be cropped: start over
                log.debug("KV cache crop failed; dropping the cache", exc_info=True)
                keep = 0
        if keep == 0:
            self._cache, self._cache_ids = None, []
        logits = self._forward(ids[keep:], prompt=ids[:keep])
        return logits, keep

    def _forward(self, new: list[int], prompt: list[int] | None = None) -> Any:
        """Run `new` tokens through the model on top of the cache; the last position's logits."""
        base = self._cache_ids if prompt is None else prompt
        self._cache_ids = []  # invalid until the forward has finished
        input_ids = self._torch.tensor([new], dtype=self._torch.long, device=self._device)
        out = self.model(input_ids=input_ids, use_cache=True, logits_to_keep=1, **{self._cache_arg: self._cache})
        self._cache = getattr(out, self._cache_arg)
        self._cache_ids = base + new
        return out.logits[0, -1]


# ---- helpers -----------------------------------------------------------------------------------------


def _device(torch: Any, requested: str) -> Any:
    name = (requested or "cpu").strip().lower()
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            why = "this torch is a CPU-only build" if torch.version.cuda is None else "no CUDA GPU or driver is visible"
            raise LLMUnavailable(
                f"LLM device {requested!r} requested but CUDA is not available ({why}; torch {torch.__version__}); "
                "set dialogue.llm.engine.device to 'cpu', or install a CUDA build of torch"
            )
        index = name.partition(":")[2] or "0"
        if not index.isdigit() or int(index) >= torch.cuda.device_count():
            raise LLMUnavailable(f"LLM device {requested!r}: only {torch.cuda.device_count()} CUDA device(s) here")
        return torch.device(f"cuda:{index}")
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise LLMUnavailable("LLM device 'mps' requested but Metal (MPS) is not available; set device to 'cpu'")
        return torch.device("mps")
    raise LLMUnavailable(f"unknown LLM device {requested!r}: use cpu, cuda, cuda:N or mps")


def _dtype(torch: Any, device: Any) -> Any:
    # bf16 on CPU: half the memory of fp32 and 4x its speed here (MODELS.md); fp16 where bf16 is missing.
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.bfloat16


def _load_weights(reference: str, torch: Any, transformers: Any) -> tuple[Any, Any, str, str]:
    """(model, tokenizer, where from, short label) for a registry name, a local GGUF or folder, or a hub id."""
    from models.resolve import ModelError, resolve

    try:
        resolved = resolve(reference)
    except ModelError as e:
        raise LLMUnavailable(str(e)) from e
    auto_model, auto_tok = transformers.AutoModelForCausalLM, transformers.AutoTokenizer
    if resolved.hub_id:
        return (*_from_folder(resolved.hub_id, auto_model, auto_tok, torch), resolved.hub_id, resolved.hub_id)
    path = resolved.path
    assert path is not None
    label = resolved.spec.name if resolved.spec else path.name
    gguf = _gguf_in(path, resolved.spec)
    if gguf is None:
        if not (path / "config.json").is_file():
            raise LLMUnavailable(f"{path} is neither a GGUF file nor a transformers model folder (no config.json)")
        return (*_from_folder(str(path), auto_model, auto_tok, torch), str(path), label)
    target = _converted_dir(gguf, resolved.spec)
    if (target / "config.json").is_file():
        try:
            return (*_from_folder(str(target), auto_model, auto_tok, torch), str(target), label)
        except LLMUnavailable:
            log.warning("transformers: converted cache %s is unreadable; converting again", target)
            shutil.rmtree(target, ignore_errors=True)
    model, tokenizer = convert_gguf(gguf, target, torch, transformers)
    if (target / "config.json").is_file():
        # Reload the saved copy: the GGUF-loaded model keeps transformers' GGUF modules, slower to run.
        del model
        return (*_from_folder(str(target), auto_model, auto_tok, torch), str(target), label)
    return model, tokenizer, str(gguf), label


def _from_folder(source: str, auto_model: Any, auto_tok: Any, torch: Any) -> tuple[Any, Any]:
    try:
        tokenizer = auto_tok.from_pretrained(source)
        model = auto_model.from_pretrained(source, dtype=torch.bfloat16)
    except (OSError, ValueError, KeyError) as e:
        raise LLMUnavailable(f"cannot load transformers model {source!r}: {e}") from e
    return model, tokenizer


def _gguf_in(path: Path, spec: Any) -> Path | None:
    if path.is_file():
        return path if path.suffix.lower() == ".gguf" else None
    if spec is not None:
        names = [f.name for f in spec.files if f.name.lower().endswith(".gguf")]
        return path / names[0] if names else None
    if (path / "config.json").is_file():
        return None
    found = sorted(path.glob("*.gguf"))
    return found[0] if len(found) == 1 else None


def _converted_dir(gguf: Path, spec: Any) -> Path:
    from models.resolve import cache_dir

    # Keyed by the file's identity, so new weights under the same name are converted again.
    sha = next((f.sha256 for f in spec.files if f.name == gguf.name), "") if spec is not None else ""
    if not sha:
        st = gguf.stat()
        sha = hashlib.sha256(f"{gguf.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()
    return cache_dir() / "transformers" / f"{gguf.stem}-{sha[:12]}"


def convert_gguf(gguf: Path, target: Path, torch: Any, transformers: Any) -> tuple[Any, Any]:
    """Dequantize `gguf` to bf16 and save it as a transformers folder at `target`; the loaded pair."""
    log.info("transformers: converting %s (once; about a minute)", gguf.name)
    t0 = time.perf_counter()
    try:
        import gguf as _  # noqa: F401  (transformers needs it to read GGUF; say so clearly)

        tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16
        )
    except ImportError as e:
        raise LLMUnavailable(f"loading a GGUF with transformers needs more packages: {INSTALL_HINT} ({e})") from e
    except (OSError, ValueError, KeyError) as e:
        raise LLMUnavailable(f"transformers cannot read {gguf}: {e}") from e
    # The weights are plain bf16 now; transformers refuses to save a model that still looks quantized.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    # Save beside the target and rename: a crash or a second process never sees half a folder.
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "converted_from.json").write_text(
            json.dumps({"gguf": str(gguf), "transformers": transformers.__version__})
        )
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first: keep theirs
            pass
    except OSError as e:
        log.warning("transformers: cannot cache the converted model in %s: %s", target, e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("transformers: converted %s in %.1f s", gguf.name, time.perf_counter() - t0)
    return model, tokenizer


def _stop_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    ids: set[int] = set()
    for value in (getattr(model.generation_config, "eos_token_id", None), tokenizer.eos_token_id):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(v for v in value if isinstance(v, int))
    vocab = tokenizer.get_vocab()
    ids.update(vocab[t] for t in _END_TOKENS if t in vocab)
    return frozenset(ids)


def _pick(torch: Any, logits: Any, temperature: float) -> int:
    if temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    return int(torch.multinomial(probs, 1))

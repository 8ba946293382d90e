"""Opening image and audio files exactly as training will: one decoder for import, training and predict.

Images go through Pillow, audio through soundfile (libsndfile: WAV, FLAC, OGG, MP3). A file that
cannot be used raises MediaUnreadable with a stable code and a plain reason.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

#: Largest image (width × height, pixels) decoded. Pillow checks it from the header, before decoding,
#: so a tiny file declaring a huge picture (a decompression bomb) never allocates its pixels.
MAX_IMAGE_PIXELS = 64 * 1024 * 1024

#: Modes converted to RGB without comment: they already are 8-bit colour.
_PLAIN_MODES = {"RGB"}


class MediaUnreadable(Exception):
    """A file that cannot be used: `code` is an Airlock error code, the message says why in plain words."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class ImageFacts:
    width: int
    height: int
    mode: str
    format: str
    frames: int
    #: The EXIF orientation turned the picture (its stored width and height are swapped or flipped).
    rotated: bool


def open_image(path: str):
    """The picture as an RGB `PIL.Image.Image` and its facts (size after EXIF rotation, original mode).

    Raises MediaUnreadable: MEDIA_EMPTY (0 bytes), MEDIA_TOO_LARGE (over MAX_IMAGE_PIXELS),
    MEDIA_UNREADABLE (not an image, truncated, or a format Pillow cannot decode).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                fmt, mode, frames = image.format or "unknown", image.mode, getattr(image, "n_frames", 1)
                image.seek(0)  # GIF, TIFF: the first frame is the picture
                image.load()
                orientation = image.getexif().get(0x0112, 1)
                upright = ImageOps.exif_transpose(image)
                rgb = _to_rgb(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaUnreadable("MEDIA_TOO_LARGE", f"the picture declares more than {MAX_IMAGE_PIXELS:,} pixels, so it is refused "
                              "before decoding (a decompression bomb, or far larger than any model takes)") from None
    except UnidentifiedImageError:
        raise MediaUnreadable("MEDIA_UNREADABLE", "it is not an image Airlock can read") from None
    except FileNotFoundError:
        raise MediaUnreadable("MEDIA_UNREADABLE", "the file is gone") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise MediaUnreadable("MEDIA_UNREADABLE", f"the image is damaged or cut short ({error})") from None
    facts = ImageFacts(width=rgb.width, height=rgb.height, mode=mode, format=fmt, frames=frames, rotated=orientation not in (1, None))
    return rgb, facts


def _to_rgb(image):
    """RGB, 8 bits per channel; transparency is laid on white (how viewers show it)."""
    from PIL import Image

    if image.mode in _PLAIN_MODES:
        return image.copy()
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float greyscale: scale the range to 8 bits instead of clipping everything white
        low, high = image.getextrema()
        scale = 255.0 / (high - low) if high > low else 0.0
        return image.point(lambda value: (value - low) * scale).convert("L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def image_conversion(facts: ImageFacts) -> str | None:
    """What was done to make the picture 8-bit RGB, in words, or None when nothing was."""
    if facts.mode in _PLAIN_MODES:
        return None
    names = {"L": "greyscale", "1": "black-and-white", "P": "palette", "CMYK": "CMYK", "RGBA": "with transparency",
             "LA": "greyscale with transparency", "PA": "palette with transparency", "I;16": "16-bit", "I;16B": "16-bit",
             "I;16L": "16-bit", "I": "32-bit", "F": "floating-point", "YCbCr": "YCbCr", "LAB": "Lab", "HSV": "HSV"}
    return names.get(facts.mode, facts.mode)


@dataclass
class AudioFacts:
    sample_rate: int
    channels: int
    seconds: float
    format: str
    subtype: str


def audio_facts(path: str) -> AudioFacts:
    """Sample rate, channels, duration and encoding of a sound file, after decoding every frame.

    Raises MediaUnreadable: MEDIA_EMPTY (no samples), MEDIA_UNREADABLE (not audio, damaged, cut short).
    """
    samples, facts = read_audio(path)
    del samples
    return facts


def read_audio(path: str):
    """The samples as a float32 array shaped (frames, channels), and the file's facts."""
    import soundfile

    try:
        with soundfile.SoundFile(path) as sound:
            samples = sound.read(dtype="float32", always_2d=True)
            facts = AudioFacts(sample_rate=int(sound.samplerate), channels=int(sound.channels), seconds=0.0,
                               format=str(sound.format), subtype=str(sound.subtype))
    except soundfile.LibsndfileError as error:
        raise MediaUnreadable("MEDIA_UNREADABLE", f"it is not a sound file Airlock can read ({error.error_string})") from None
    except (RuntimeError, OSError, ValueError) as error:
        raise MediaUnreadable("MEDIA_UNREADABLE", f"the sound file is damaged or cut short ({error})") from None
    if samples.shape[0] == 0:
        raise MediaUnreadable("MEDIA_EMPTY", "the clip holds no sound (0 seconds)")
    facts.seconds = samples.shape[0] / facts.sample_rate
    return samples, facts

"""Image and audio rows: decoding as import did, seeded augmentation that a resumed epoch repeats, clip cutting."""

from __future__ import annotations

import numpy as np
import soundfile
from PIL import Image

from airlock_trainer.media_rows import AudioRows, ImageRows, load_clip


def _picture(path, size=(40, 30), mode="RGB"):
    Image.new(mode, size, 128).save(path)
    return str(path)


def test_image_rows_are_rgb_and_augmentation_depends_only_on_seed_epoch_and_row(tmp_path):
    paths = [_picture(tmp_path / "grey.png", mode="L"), _picture(tmp_path / "colour.png")]
    plain = ImageRows(paths, [0, 1], augment=False, seed=3)
    assert plain[0]["input"].mode == "RGB" and plain[0]["input"].size == (40, 30)
    assert plain[1]["labels"] == 1 and plain[1]["index"] == 1

    def crop(epoch, seed=3):
        rows = ImageRows(paths, [0, 1], augment=True, seed=seed)
        rows.epoch = epoch
        return [rows[index]["input"].size for index in range(2)] + [np.asarray(rows[1]["input"]).sum()]

    # the same (seed, epoch, row) gives the same crop: a resumed epoch sees what the interrupted one saw
    assert crop(0) == crop(0)
    sizes = {tuple(crop(epoch)[:2]) for epoch in range(6)}
    assert len(sizes) > 1  # and other epochs see other crops
    assert all(w <= 40 and h <= 30 for pair in sizes for (w, h) in pair)


def test_clips_are_mixed_to_mono_resampled_and_cut(tmp_path):
    stereo = np.stack([np.linspace(-1, 1, 8000), np.zeros(8000)], axis=1).astype("float32")  # left ramps, right is silent
    path = str(tmp_path / "stereo.wav")
    soundfile.write(path, stereo, 8000)
    clip = load_clip(path, 16000)
    assert clip.ndim == 1 and clip.dtype == np.float32
    assert abs(len(clip) - 16000) <= 2  # one second at the model's rate
    assert abs(float(clip[12000]) - 0.25) < 0.01  # 3/4 through: the ramp is at 0.5, and the silent channel halves it

    train = AudioRows([path], [0], rate=16000, max_samples=4000, augment=True, seed=1)
    evaluation = AudioRows([path], [0], rate=16000, max_samples=4000, augment=False, seed=1)
    assert len(train[0]["input"]) == 4000 and len(evaluation[0]["input"]) == 4000
    assert np.array_equal(evaluation[0]["input"], clip[:4000])  # evaluation takes the start
    windows = set()
    for epoch in range(5):
        train.epoch = epoch
        windows.add(float(train[0]["input"][0]))
    assert len(windows) > 1  # training takes a random window each epoch

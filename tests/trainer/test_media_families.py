"""Model families the cache accepts for pictures and sound train through Airlock's modality code: each tiny
model (made from a config, saved with save_pretrained beside its processor) loads with a new head for our
labels, takes a collated batch of real decoded files, and gives a finite loss that backpropagates."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from PIL import Image

from airlock_trainer.media_modality import MEDIA_MODALITIES
from airlock_trainer.tasks import Classification


def _image_families():
    from transformers import (ConvNextConfig, ConvNextForImageClassification, Dinov2Config,
                              Dinov2ForImageClassification, ResNetConfig, ResNetForImageClassification, SwinConfig,
                              SwinForImageClassification)
    from transformers.models.convnext.image_processing_pil_convnext import ConvNextImageProcessorPil
    from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

    vit_processor = lambda: ViTImageProcessorPil(size={"height": 32, "width": 32})  # noqa: E731
    return {
        "convnext": (lambda: ConvNextForImageClassification(ConvNextConfig(
            num_channels=3, num_stages=2, hidden_sizes=[8, 16], depths=[1, 1], num_labels=2)),
            lambda: ConvNextImageProcessorPil(size={"shortest_edge": 32})),
        "resnet": (lambda: ResNetForImageClassification(ResNetConfig(
            embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], num_labels=2)),
            lambda: ConvNextImageProcessorPil(size={"shortest_edge": 32})),
        "swin": (lambda: SwinForImageClassification(SwinConfig(
            image_size=32, patch_size=4, embed_dim=8, depths=[1, 1], num_heads=[1, 2], window_size=4, num_labels=2)),
            vit_processor),
        "dinov2": (lambda: Dinov2ForImageClassification(Dinov2Config(
            image_size=32, patch_size=8, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=32, num_labels=2)), vit_processor),
    }


def _audio_families():
    from transformers import (ASTConfig, ASTFeatureExtractor, ASTForAudioClassification, HubertConfig,
                              HubertForSequenceClassification, Wav2Vec2FeatureExtractor, WhisperConfig,
                              WhisperFeatureExtractor, WhisperForAudioClassification)

    small_conv = dict(conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_feat_extract_layers=2,
                      num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    return {
        "hubert": (lambda: HubertForSequenceClassification(HubertConfig(
            hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, classifier_proj_size=8,
            num_labels=2, **small_conv)), lambda: Wav2Vec2FeatureExtractor(sampling_rate=16000, return_attention_mask=True)),
        "ast": (lambda: ASTForAudioClassification(ASTConfig(
            hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_length=64,
            num_mel_bins=32, num_labels=2)), lambda: ASTFeatureExtractor(num_mel_bins=32, max_length=64)),
        "whisper": (lambda: WhisperForAudioClassification(WhisperConfig(
            d_model=16, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=32, decoder_layers=1,
            decoder_attention_heads=2, decoder_ffn_dim=32, num_mel_bins=16, max_source_positions=1500,
            classifier_proj_size=8, num_labels=2)), lambda: WhisperFeatureExtractor(feature_size=16)),
    }


def _files(tmp_path, kind: str) -> list[str]:
    paths = []
    for index in range(4):
        if kind == "image":
            path = tmp_path / f"{index}.png"
            Image.new("RGB", (40 + index, 36), (60 * index, 20, 200)).save(path)
        else:
            path = tmp_path / f"{index}.wav"
            soundfile.write(path, (0.3 * np.sin(np.arange(8000 + 900 * index) / (3 + index))).astype("float32"), 16000)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("kind, family", [("image", name) for name in ("convnext", "resnet", "swin", "dinov2")]
                         + [("audio", name) for name in ("hubert", "ast", "whisper")])
def test_family_trains_one_step(tmp_path, kind, family):
    import torch

    torch.manual_seed(0)
    make_model, make_processor = (_image_families() if kind == "image" else _audio_families())[family]
    folder = tmp_path / family
    make_model().save_pretrained(folder)
    make_processor().save_pretrained(folder)
    task = Classification("label")
    task.fit(["a", "b", "c", "a"])
    modality = MEDIA_MODALITIES[kind]
    processor = modality.load_processor(str(folder))
    model = modality.load_model(str(folder), task, "safetensors")
    rows = modality.rows(_files(tmp_path, kind), task.targets(["a", "b", "c", "a"]), processor, train=True,
                         augment=True, seed=1, config={"data": {}})
    batch = modality.collator(processor, {"data": {}})([rows[index] for index in range(4)])
    batch.pop("row_index")
    output = model(**batch)
    assert output.logits.shape == (4, 3)
    assert torch.isfinite(output.loss)
    output.loss.backward()

"""MLflow model code of an exported audio classifier: copied into the bundle and loaded by MLflow ("models from code").

It must run where Airlock is not installed, so it repeats, on purpose, the few lines of Airlock's own clip
reading (airlock_trainer.media_rows.load_clip): soundfile decodes, channels are averaged to mono, soxr
resamples to the model's rate, and the clip is cut to the length training used.

    model = mlflow.pyfunc.load_model("<bundle>")
    model.predict(["/path/to/clip.wav", ...])   # -> a DataFrame: file, label, score
"""

import mlflow
from mlflow.models import set_model


class AudioClassifier(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

        folder = context.artifacts["model"]
        self.extractor = AutoFeatureExtractor.from_pretrained(folder, local_files_only=True)
        self.model = AutoModelForAudioClassification.from_pretrained(folder, local_files_only=True, use_safetensors=True)
        self.model.eval()
        settings = getattr(self.model.config, "airlock_media", None) or {}
        self.max_seconds = float(settings.get("max_seconds") or 10.0)

    def _clip(self, path):
        import numpy as np
        import soundfile
        import soxr

        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
        mono = samples.mean(axis=1)
        target = self.extractor.sampling_rate
        if rate != target:
            mono = soxr.resample(mono, rate, target, quality="HQ")
        return np.ascontiguousarray(mono[: int(self.max_seconds * target)], dtype=np.float32)

    def predict(self, context, model_input, params=None):
        import pandas as pd
        import torch

        if isinstance(model_input, pd.DataFrame):
            files = [str(value) for value in model_input.iloc[:, 0]]
        elif isinstance(model_input, str):
            files = [model_input]
        else:
            files = [str(value) for value in model_input]
        clips = [self._clip(path) for path in files]
        # Whisper's encoder takes exactly its 30-second window; other extractors pad to the longest clip
        padding = "max_length" if getattr(self.extractor, "n_samples", None) else True
        features = self.extractor(clips, sampling_rate=self.extractor.sampling_rate, padding=padding, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**features).logits.float()
        multi = self.model.config.problem_type == "multi_label_classification"
        probabilities = logits.sigmoid() if multi else logits.softmax(dim=-1)
        labels = self.model.config.id2label
        best = probabilities.argmax(dim=-1).tolist()
        return pd.DataFrame({"file": files, "label": [labels[index] for index in best],
                             "score": [float(probabilities[row, index]) for row, index in enumerate(best)]})


set_model(AudioClassifier())

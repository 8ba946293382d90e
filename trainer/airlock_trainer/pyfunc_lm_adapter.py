"""MLflow model code of an exported LoRA adapter: copied into the bundle and loaded by MLflow ("models from code").

The bundle holds the adapter only. Its base model (named, with the SHA-256 of its weights, in
artifacts/adapter/airlock_base.json and the bundle's README.md) must be given as a local folder:

    model = mlflow.pyfunc.load_model("<bundle>", model_config={"base_model_dir": "/models/<base>"})
    model.predict(["Translate: cat"])   # -> a list of answers

It runs where Airlock is not installed, so it repeats Airlock's prompt writing for the two common formats
(airlock_trainer.sft_format.generation_prompt): a prompt/completion prompt is followed by a newline; a chat
prompt is the user's turn rendered with the model's chat template. Answers are decoded greedily.
"""

import json
import os

import mlflow
from mlflow.models import set_model

DEFAULT_MAX_NEW_TOKENS = 64


class LoraTextGenerator(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer

        folder = context.artifacts["adapter"]
        base_dir = (context.model_config or {}).get("base_model_dir") or os.environ.get("AIRLOCK_BASE_MODEL_DIR")
        if not base_dir:
            with open(os.path.join(folder, "airlock_base.json"), encoding="utf-8") as handle:
                base = json.load(handle)
            raise ValueError(f"This bundle is a LoRA adapter for the base model '{base['base_model']}' (weights "
                             f"SHA-256 {base['base_sha256']}); pass its folder as model_config={{'base_model_dir': ...}}.")
        with open(os.path.join(folder, "airlock_generation.json"), encoding="utf-8") as handle:
            self.settings = json.load(handle)
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True, use_safetensors=True)
        self.model = PeftModel.from_pretrained(model, folder).eval()

    def _prompt(self, prompt):
        if self.settings["format"] == "chat":
            return self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                      add_generation_prompt=True)
        if self.settings["format"] == "prompt_completion" and not prompt[-1:].isspace():
            return prompt + self.settings.get("separator", "\n")
        return prompt

    def predict(self, context, model_input, params=None):
        import torch

        prompts = model_input.iloc[:, 0].tolist() if hasattr(model_input, "iloc") else list(model_input)
        max_new_tokens = int((params or {}).get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS))
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        answers = []
        for prompt in prompts:
            ids = self.tokenizer(self._prompt(str(prompt)), return_tensors="pt")
            with torch.no_grad():
                output = self.model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad)
            answers.append(self.tokenizer.decode(output[0, ids["input_ids"].shape[1]:], skip_special_tokens=True))
        return answers


set_model(LoraTextGenerator())

#!/usr/bin/env python3
"""Oracle for the pruning curves: perplexity and multiple-choice log-likelihoods of the sample model
with any set of decoder layers removed, in float64 numpy.

Re-run:  python3 test/oracles/prune_curves.py > test/oracles/prune_curves.json
Needs numpy only. Reads media/sample-model (config.json, model.safetensors), the held-out text
test/oracles/prune_curves_heldout.txt and the multiple-choice sample media/samples/pruning-choices.jsonl.

Written from the public definitions, not from Layer Lens's code:
  * The forward pass is llama_forward.py's (an independent re-implementation of transformers'
    LlamaForCausalLM). Removing layers = deleting them from the model's layer list and running the
    rest in order (short-transformers' remove_layers, ShortGPT's `del layers[i]`): the kept layers'
    weights are renumbered 0..K-1 and num_hidden_layers set to K.
  * Tokenization: the sample model's tokenizer maps each UTF-8 byte to the token id of the same
    value, <s> = 256 (media/sample-model/README.md), so the oracle encodes with bytes directly.
  * Perplexity: BOS + the text's tokens, the first 2048, cut into consecutive windows of 128 tokens,
    each window scored on its own; perplexity = exp(sum of next-token NLL / predicted tokens).
  * Multiple choice, as lm-evaluation-harness: a HellaSwag row's query is preprocess(ctx) and its
    choices preprocess(ending) (lm_eval/tasks/hellaswag/utils.py); a {query, choices, gold} row is used
    as is. Continuation = " " + choice; trailing spaces of the context move to the continuation
    (TemplateLM._encode_pair); no BOS (HFLM.tok_encode for a causal model); the log-likelihood is the
    sum of log-softmax of the continuation's tokens given everything before them;
    acc = argmax(ll) == gold, acc_norm = argmax(ll / len(choice)) == gold (choice length in
    characters, without the space: ConfigurableTask.process_results).
"""
import itertools
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_forward import forward, read_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, 'media', 'sample-model')
HELDOUT = os.path.join(ROOT, 'test', 'oracles', 'prune_curves_heldout.txt')
CHOICES = os.path.join(ROOT, 'media', 'samples', 'pruning-choices.jsonl')
BOS = 256
WINDOW = 128
MAX_TOKENS = 2048


def without_layers(cfg, w, removed):
    kept = [l for l in range(cfg['num_hidden_layers']) if l not in removed]
    out = {k: v for k, v in w.items() if not k.startswith('model.layers.')}
    for new, old in enumerate(kept):
        prefix = f'model.layers.{old}.'
        for k, v in w.items():
            if k.startswith(prefix):
                out[f'model.layers.{new}.' + k[len(prefix):]] = v
    return {**cfg, 'num_hidden_layers': len(kept)}, out


def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def logits_of(cfg, w, ids):
    return np.array(forward(cfg, w, ids)['logits'], dtype=np.float64)


def perplexity(cfg, w, ids):
    ids = ids[:MAX_TOKENS]
    nll, count = 0.0, 0
    for s in range(0, len(ids) - 1, WINDOW):
        win = ids[s:s + WINDOW]
        if len(win) < 2:
            break
        lp = log_softmax(logits_of(cfg, w, win))
        nll -= sum(lp[t, win[t + 1]] for t in range(len(win) - 1))
        count += len(win) - 1
    return float(np.exp(nll / count)), count


def preprocess(text):
    text = text.strip()
    text = text.replace(' [title]', '. ')
    text = re.sub('\\[.*?\\]', '', text)
    return text.replace('  ', ' ')


def load_items():
    items = []
    with open(CHOICES) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            if 'endings' in d:
                items.append((preprocess(d['ctx']), [preprocess(e) for e in d['endings']], int(d['label'])))
            else:
                items.append((d.get('query', d.get('context')), d['choices'], int(d['gold'])))
    return items


def encode(text):
    return list(text.encode('utf-8'))


def choice_ll(cfg, w, context, continuation):
    n = len(context) - len(context.rstrip())
    if n:
        continuation, context = context[-n:] + continuation, context[:-n]
    whole, ctx = encode(context + continuation), encode(context)
    cont = whole[len(ctx):]
    lp = log_softmax(logits_of(cfg, w, whole[:-1]))
    T = len(whole) - 1
    return float(sum(lp[T - len(cont) + i, c] for i, c in enumerate(cont)))


def main():
    with open(os.path.join(SAMPLE, 'config.json')) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(SAMPLE, 'model.safetensors'))
    with open(HELDOUT, encoding='utf-8') as f:
        ids = [BOS] + encode(f.read())
    items = load_items()
    L = cfg['num_hidden_layers']
    cases = []
    for k in range(L):
        for removed in itertools.combinations(range(L), k):
            c, ww = without_layers(cfg, w, set(removed))
            ppl, tokens = perplexity(c, ww, ids)
            lls = [[choice_ll(c, ww, ctx, ' ' + ch) for ch in chs] for ctx, chs, _ in items]
            acc = float(np.mean([int(np.argmax(ll)) == g for ll, (_, _, g) in zip(lls, items)]))
            norm = float(np.mean([int(np.argmax(np.array(ll) / [len(ch) for ch in chs])) == g for ll, (_, chs, g) in zip(lls, items)]))
            cases.append({'removed': list(removed), 'perplexity': ppl, 'tokens': tokens, 'loglikelihoods': lls, 'acc': acc, 'accNorm': norm})
    json.dump({'model': 'media/sample-model', 'heldout': 'test/oracles/prune_curves_heldout.txt', 'choices': 'media/samples/pruning-choices.jsonl',
               'cases': cases}, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()

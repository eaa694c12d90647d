#!/usr/bin/env python3
"""SentencePiece oracle: two real `tokenizer.model` files and the ids Google's own library gives.

Re-run:  python3 test/oracles/sentencepiece_ids.py
  (needs the `sentencepiece` Python package, e.g. `pip install sentencepiece` in a virtual
  environment; writes test/oracles/sentencepiece_unigram.model, sentencepiece_bpe.model and
  sentencepiece_ids.json, so the TypeScript test needs no Python)

Two models are trained on the fixed corpus below with the reference trainer:
  * unigram: the library's defaults (nmt_nfkc normalisation with its precompiled charsmap, dummy
    prefix, whitespace collapsing), as T5-style checkpoints ship;
  * bpe: byte fallback, identity normalisation and split digits, as Llama-2-style checkpoints ship.
For every sample text the JSON holds `encode(text)` (ids, no BOS/EOS), the same as pieces,
`decode(ids)`, and a few `id_to_piece` values, plus each model's piece count and unk/bos/eos ids.
"""
import io
import json
import os

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))

CORPUS = (
    """Once upon a time, there was a little girl named Lily. She liked to play outside in the sun.
One day, she saw a big red ball in the park. She ran to the ball and kicked it very far.
The cat sat on the mat. The dog ran after the cat, and the bird flew away into the sky.
Numbers like 12345 and 2026 appear in text, and so do prices: $3.50 or 7,000 euros.
Café, naïve, résumé — accents and dashes. Ünïcödé ＦＵＬＬＷＩＤＴＨ letters ﬁ ligatures.
日本語のテキストも少し。Привет, мир! Γειά σου κόσμε.
"""
    * 20
).splitlines()

SAMPLES = [
    'Once upon a time',
    'Once upon a time, there was a little girl named Lily.',
    'Café ＦＵＬＬ 2026 日本 zebra ☃',
    '  two  spaces\tand tab\n',
    'ﬁne résumé — naïve',
    'Привет, мир! 12345',
    'emoji 🙂 and \u00a0nbsp',
    'x',
    '',
]


def train(**kw):
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(CORPUS), model_writer=out, num_threads=1, minloglevel=2, **kw)
    return out.getvalue()


MODELS = {
    'unigram': dict(vocab_size=120, model_type='unigram', hard_vocab_limit=False),
    'bpe': dict(vocab_size=400, model_type='bpe', byte_fallback=True, normalization_rule_name='identity', split_digits=True),
}


def main():
    result = {'sentencepiece': spm.__version__, 'models': {}}
    for name, kw in MODELS.items():
        blob = train(**kw)
        file = f'sentencepiece_{name}.model'
        with open(os.path.join(HERE, file), 'wb') as f:
            f.write(blob)
        sp = spm.SentencePieceProcessor(model_proto=blob)
        n = sp.get_piece_size()
        result['models'][name] = {
            'file': file,
            'pieces': n,
            'unkId': sp.unk_id(),
            'bosId': sp.bos_id(),
            'eosId': sp.eos_id(),
            'idToPiece': {str(i): sp.id_to_piece(i) for i in sorted({0, 1, 2, 3, n // 2, n - 1})},
            'cases': [
                {'text': s, 'ids': sp.encode(s), 'pieces': sp.encode(s, out_type=str), 'decoded': sp.decode(sp.encode(s))}
                for s in SAMPLES
            ],
        }
    with open(os.path.join(HERE, 'sentencepiece_ids.json'), 'w', encoding='utf-8') as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()

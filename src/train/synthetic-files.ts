/**
 * The non-weight files of the bundled default model, generated from a few numbers: a word-level
 * tokenizer.json (a WordPiece model whose vocabulary holds whole words, which both the Python and the
 * JS `tokenizers` load), tokenizer_config.json with LLaVA-1.5's chat template, a llava-hf config.json and
 * a CLIP preprocessor_config.json for the image size.
 */
import { LLAVA_15_CHAT_TEMPLATE } from '../io/chat-template.js';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from '../io/clip-preprocess-config.js';
import { COLOURS, NUMBER_WORDS, SHAPES } from './synthetic.js';
import { SHAPE_SYNONYMS } from './synthetic-refer.js';

export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>', '<image>', '<pad>'] as const;
export const [UNK_ID, BOS_ID, EOS_ID, IMAGE_ID, PAD_ID] = [0, 1, 2, 3, 4];

/** Every word of the prompts and answers, plus a few a user may type. Order fixes the ids. */
const WORDS = [
  'user', 'assistant', ':', '?', ',', '.', "'",
  'what', 'colour', 'color', 'colours', 'colors', 'is', 'are', 'the', 'a', 'an', 'object', 'objects', 'shape', 'shapes',
  'or', 'how', 'many', 'there', 'from', 'left', 'to', 'right', 'of', 'this', 'that', 'it', 'in', 'image', 'picture',
  'which', 'region', 'and', 'yes', 'no', 'not', 'kind', 'does', 'have', 'describe', 'here', 'one',
  ...COLOURS, 'violet', ...SHAPES, ...Object.values(SHAPE_SYNONYMS).flat(), ...NUMBER_WORDS,
];

/** The vocabulary: special tokens first, then the words (duplicates dropped). */
export function vocabulary(): string[] {
  return [...new Set([...SPECIAL_TOKENS, ...WORDS])];
}

export function tokenizerJson(): object {
  const vocab = vocabulary();
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '<unk>',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((w, i) => [w, i])),
    },
  };
}

export function tokenizerConfigJson(): object {
  return {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    clean_up_tokenization_spaces: false,
    model_max_length: 256,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: LLAVA_15_CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(
      SPECIAL_TOKENS.map((content, id) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
    ),
  };
}

export interface ModelShape {
  imageSize: number;
  patchSize: number;
  vision: { hidden: number; layers: number; heads: number; intermediate: number };
  text: { hidden: number; layers: number; heads: number; intermediate: number };
}

/** A llava-hf config.json (LlavaForConditionalGeneration) for the given shape and the vocabulary above. */
export function llavaConfigJson(s: ModelShape): object {
  return {
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    ignore_index: -100,
    image_token_index: IMAGE_ID,
    pad_token_id: PAD_ID,
    projector_hidden_act: 'gelu',
    vision_feature_layer: -2,
    vision_feature_select_strategy: 'default',
    torch_dtype: 'float32',
    tie_word_embeddings: false,
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: s.vision.hidden,
      intermediate_size: s.vision.intermediate,
      num_hidden_layers: s.vision.layers,
      num_attention_heads: s.vision.heads,
      num_channels: 3,
      image_size: s.imageSize,
      patch_size: s.patchSize,
      hidden_act: 'quick_gelu',
      layer_norm_eps: 1e-5,
      projection_dim: s.vision.hidden,
    },
    text_config: {
      model_type: 'llama',
      vocab_size: vocabulary().length,
      hidden_size: s.text.hidden,
      intermediate_size: s.text.intermediate,
      num_hidden_layers: s.text.layers,
      num_attention_heads: s.text.heads,
      num_key_value_heads: s.text.heads,
      hidden_act: 'silu',
      max_position_embeddings: 256,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: false,
      bos_token_id: BOS_ID,
      eos_token_id: EOS_ID,
      pad_token_id: PAD_ID,
      torch_dtype: 'float32',
    },
  };
}

/** CLIPImageProcessor settings: shortest edge and centre crop at the model's image size. */
export function preprocessorConfigJson(imageSize: number): object {
  return {
    crop_size: { height: imageSize, width: imageSize },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: OPENAI_CLIP_MEAN,
    image_std: OPENAI_CLIP_STD,
    image_processor_type: 'CLIPImageProcessor',
    processor_class: 'LlavaProcessor',
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: imageSize },
  };
}

/** All four JSON files, as the text written to disk. */
export function modelFiles(s: ModelShape): Record<string, string> {
  const text = (o: object) => `${JSON.stringify(o, null, 2)}\n`;
  return {
    'config.json': text(llavaConfigJson(s)),
    'tokenizer.json': text(tokenizerJson()),
    'tokenizer_config.json': text(tokenizerConfigJson()),
    'preprocessor_config.json': text(preprocessorConfigJson(s.imageSize)),
  };
}

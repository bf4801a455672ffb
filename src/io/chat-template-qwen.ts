/**
 * The Qwen2-VL / Qwen2.5-VL chat template (the Hub's chat_template.json of Qwen/Qwen2.5-VL-*-Instruct),
 * bundled for folders that lack one, and the one-image prompt ControlMLLM++ builds:
 *
 *   <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n
 *   <|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n
 *
 * The single <|image_pad|> is expanded to one id per merged image token after tokenisation (the
 * processor's job; model/qwen2_5_vl `expandImagePads`).
 */
import { ChatTemplate } from './chat-template.js';

export const QWEN2_VL_CHAT_TEMPLATE =
  "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}" +
  "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}" +
  "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n" +
  "{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}" +
  "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}" +
  "<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' or 'video' in content %}" +
  "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}" +
  "<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n" +
  "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

export const qwen2VlChatTemplate = new ChatTemplate(QWEN2_VL_CHAT_TEMPLATE);

/** The prompt for one image followed by a question, rendered from `template`. */
export function qwenPrompt(question: string, template: ChatTemplate = qwen2VlChatTemplate): string {
  return template.render([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] }], { addGenerationPrompt: true });
}

/**
 * kubectl's equality-based label selectors (`-l app=pi,tier!=web,env`): every requirement must hold. Set-based
 * forms (`in`, `notin`) are refused with kubectl's message rather than misread.
 */
export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

export function parseLabelSelector(text: string): LabelSelector {
  const requirements = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      if (/\s(in|notin)\s/.test(part)) throw new Error(`unable to parse requirement: set-based selectors are not supported by kjob: ${part}`);
      const match = /^(!?)([^=!]+?)\s*(?:(==|=|!=)\s*(.*))?$/.exec(part);
      if (!match) throw new Error(`unable to parse requirement: ${JSON.stringify(part)}`);
      const [, not, key = '', op, value = ''] = match;
      return (labels: Record<string, string>) => {
        const has = Object.hasOwn(labels, key);
        if (op === undefined) return not ? !has : has;
        return op === '!=' ? labels[key] !== value : labels[key] === value;
      };
    });
  return (labels) => requirements.every((holds) => holds(labels ?? {}));
}

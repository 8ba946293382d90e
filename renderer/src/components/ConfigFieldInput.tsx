import { useState } from 'react';
import { COLUMN_FIELDS, allowedValues, formatInput, parseInput, type ConfigField } from '../lib/config-form.ts';

/**
 * One settings field: label, input, what it means, why its default was chosen, and what is wrong with it.
 * Keeps the typed text locally so half-typed numbers ("0.") are not reformatted while typing.
 */
export function ConfigFieldInput({
  field,
  value,
  reason,
  error,
  columns,
  onChange,
}: {
  field: ConfigField;
  value: unknown;
  reason?: string;
  error?: string;
  /** The dataset's columns, offered for the column fields (text, label, prompt, completion, ...). */
  columns?: string[];
  onChange(value: unknown): void;
}) {
  const [text, setText] = useState(formatInput(field, value));
  const id = `field-${field.path}`;
  const describedBy = [`${id}-help`, reason ? `${id}-reason` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined } as const;
  const update = (next: string) => {
    setText(next);
    onChange(parseInput(field, next));
  };
  const columnField = columns && columns.length > 0 && COLUMN_FIELDS.has(field.path);

  let input;
  if (field.kind === 'boolean') {
    return (
      <div className="field checkbox">
        <label htmlFor={id}>
          <input {...common} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} />
          {field.label}
        </label>
        <div className="help" id={`${id}-help`}>{field.description}</div>
        {error && <div className="field-error" id={`${id}-error`} role="alert">{error}</div>}
      </div>
    );
  } else if (field.kind === 'choice' || columnField) {
    const options = columnField ? columns! : field.choices;
    input = (
      <select {...common} value={text} onChange={(event) => update(event.target.value)}>
        {field.nullable && <option value="">(none)</option>}
        {!options.includes(text) && text !== '' && <option value={text}>{text}</option>}
        {options.map((option) => (
          <option key={option} value={option}>{option}</option>
        ))}
      </select>
    );
  } else if (field.kind === 'tags') {
    input = <textarea {...common} value={text} onChange={(event) => update(event.target.value)} style={{ minHeight: 64, maxWidth: 520 }} />;
  } else {
    input = (
      <input
        {...common}
        type="text"
        inputMode={field.kind === 'number' ? 'decimal' : undefined}
        value={text}
        placeholder={field.nullable ? '(empty)' : undefined}
        spellCheck={false}
        onChange={(event) => update(event.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      {input}
      <div className="help" id={`${id}-help`}>
        {field.description} Allowed: {allowedValues(field)}. <span className="mono">{field.path}</span>
      </div>
      {reason && <div className="reason" id={`${id}-reason`}>Why this default: {reason}</div>}
      {error && <div className="field-error" id={`${id}-error`} role="alert">{error}</div>}
    </div>
  );
}

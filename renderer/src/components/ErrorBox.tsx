import type { AirlockErrorShape } from '../../../schemas/errors.ts';

/** A failure in plain words: message, what to do (hint), each problem, and the stable code for support. */
export function ErrorBox({ error, title }: { error: AirlockErrorShape; title?: string }) {
  return (
    <div className="alert error" role="alert">
      {title && <strong>{title}: </strong>}
      <span>{error.message}</span>
      {error.hint && <p className="hint" style={{ margin: '4px 0 0' }}>{error.hint}</p>}
      {error.details && error.details.length > 1 && (
        <ul>
          {error.details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
      <div className="code">Error code: {error.code}</div>
    </div>
  );
}

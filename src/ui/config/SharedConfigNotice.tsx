import { useConfigStore } from '../../store/configStore';

/** Says what a shared config (a link or a file) changed from the defaults, or why it was refused. */
export function SharedConfigNotice() {
  const notice = useConfigStore((s) => s.shareNotice);
  const dismiss = useConfigStore((s) => s.dismissShareNotice);
  if (!notice) return null;
  return (
    <div
      className={`notice ${notice.kind === 'applied' ? 'notice-ok' : 'notice-error'}`}
      role={notice.kind === 'applied' ? 'status' : 'alert'}
      data-testid="config-notice"
      data-kind={notice.kind}
    >
      <div>
        {notice.kind === 'applied' ? (
          <>
            <strong>Settings from {notice.source}</strong>
            {notice.changes.length === 0 ? (
              <p>The defaults, unchanged.</p>
            ) : (
              <>
                <p>{notice.changes.length === 1 ? 'One setting differs' : `${notice.changes.length} settings differ`} from the defaults:</p>
                <ul className="changes" data-testid="config-changes">
                  {notice.changes.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              </>
            )}
          </>
        ) : (
          <>
            <strong>The settings from {notice.source} were not used</strong>
            <p>{notice.message}</p>
            <p>Your settings are unchanged.</p>
          </>
        )}
      </div>
      <button type="button" className="button secondary" onClick={dismiss} data-testid="config-notice-dismiss">
        Dismiss
      </button>
    </div>
  );
}

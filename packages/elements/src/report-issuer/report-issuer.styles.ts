import { css } from 'lit';

export const reportIssuerStyles = css`
  .issue {
    max-width: 32rem;
  }
  .issued {
    margin-top: 0.8em;
  }
  .handover {
    font-size: 1.1em;
    font-weight: 700;
    padding: 0.5em 0.8em;
    border: 2px dashed var(--fivecolor-border, #c4c4c4);
    border-radius: 0.4em;
    white-space: normal;
    user-select: all;
  }
  .copied:empty {
    display: none;
  }
  fivecolor-report {
    margin-top: 0.8em;
  }
  @media print {
    .issue,
    .notice,
    .no-print,
    .copied,
    h2,
    h3,
    table,
    .about {
      display: none;
    }
    .card {
      border: none;
      padding: 0;
    }
  }
`;

import { css } from 'lit';

export const accessLogStyles = css`
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: flex-end;
    gap: 0.8em;
    margin: 0.6em 0;
  }
  .org {
    color: var(--fivecolor-text-secondary, #595959);
    font-size: 0.9em;
  }
  .more {
    justify-content: space-between;
    margin-top: 0.6em;
  }
`;

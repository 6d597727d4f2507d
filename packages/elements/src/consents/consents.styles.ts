import { css } from 'lit';

export const consentsStyles = css`
  form {
    max-width: 36rem;
  }
  table {
    margin-top: 0.8em;
  }
`;

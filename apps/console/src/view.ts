import { LitElement } from 'lit';

/**
 * A console view: rendered in the page's own DOM (one stylesheet, print styles included, and one
 * accessibility tree for axe), rendered again when the language changes.
 */
export class View extends LitElement {
  #onLang = () => this.requestUpdate();

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('fc-lang', this.#onLang);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('fc-lang', this.#onLang);
  }
}

/** What the browser needs to know about this deployment before it draws anything (`GET /api/client-config`). */
export interface ClientConfigDto {
  /** The base map under every map (MAP_TILE_URL); null when the deployment turned it off. */
  mapTiles: {
    /** A Leaflet tile URL template: `{z}`, `{x}`, `{y}`, maybe `{s}` and `{r}`. */
    url: string;
    /** Plain text, e.g. "© OpenStreetMap contributors". */
    attribution: string;
    /** Where the attribution links to, when it does. */
    attributionUrl: string | null;
  } | null;
  /** Whether staff can link a Telegram account (TELEGRAM_BOT_TOKEN is set). */
  telegram: boolean;
}

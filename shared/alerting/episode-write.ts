import type { Episode, Notice } from '#shared/model/items';

/** A change to an episode, guarded by its previous version; the notice goes out only if the write wins. */
export interface EpisodeWrite {
  next: Episode;
  prev?: Episode;
  notice?: Notice;
}

// The recall sources' FollowProvider over the profile store: the streamers a user follows, weighted
// by the user's watch seconds with each (followed_live orders by it; item-CF seeds from it).
import type { FollowProvider, FollowedStreamer } from '../recall/followed-live.js';
import { toId } from '../recall/ids.js';
import type { ProfileStore } from '../profile/types.js';
import type { Id } from './types.js';

export class ProfileFollows implements FollowProvider {
  constructor(private readonly profiles: ProfileStore) {}

  async followed(user: Id): Promise<readonly FollowedStreamer[]> {
    const streamers = await this.profiles.followedStreamers(user);
    if (!streamers.length) return [];
    const l = await this.profiles.lookup(user, streamers.map((s) => ({ streamer: s, category: '' })));
    return streamers.map((s, i) => ({ streamer: toId(s), weight: l.hist_streamer_watch_s[i]! }));
  }
}

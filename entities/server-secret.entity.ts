import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A secret the server makes for itself and every instance shares (image URL
 * signatures): kept in the database, so that no configuration is needed and any
 * instance verifies what another signed.
 */
@Entity({ tableName: 'server_secrets' })
export class ServerSecret {
  @PrimaryKey({ type: 'text' })
  name!: string;

  /** Base64url of random bytes. */
  @Property({ type: 'text' })
  value!: string;

  @Property({ columnType: 'timestamptz(3)', type: 'datetime' })
  createdAt: Date = new Date();
}

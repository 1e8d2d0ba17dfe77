import { User } from '../domain/accounts/user.entity.ts';
import { RefreshToken } from '../domain/accounts/refresh-token.entity.ts';
import { Profile } from '../domain/accounts/profile.entity.ts';
import { Title } from '../domain/catalog/title.entity.ts';
import { ViewingTimeConfig } from '../domain/viewing-time/config.entity.ts';
import { ViewingTimeBalance } from '../domain/viewing-time/balance.entity.ts';
import { ViewingTimeOverride } from '../domain/viewing-time/override.entity.ts';
import { ViewingSession } from '../domain/viewing-time/session.entity.ts';
import { TimeGrant } from '../domain/parental-controls/time-grant.entity.ts';
import { TimeRequest } from '../domain/parental-controls/time-request.entity.ts';
import { LoginThrottle } from '../domain/accounts/login-throttle.entity.ts';
import { MetricsSnapshot } from '../domain/metrics/metrics-snapshot.entity.ts';
import { KidsDevice } from '../domain/accounts/kids-device.entity.ts';
import { FamilyRuleSpan } from '../domain/viewing-time/rule-span.entity.ts';
import { IdempotencyKey } from '../domain/shared/idempotency-key.entity.ts';
import { AlertRules } from '../domain/alerts/alert-rules.entity.ts';
import { PushSubscription } from '../domain/alerts/push-subscription.entity.ts';
import { Webhook } from '../domain/alerts/webhook.entity.ts';
import { AlertDelivery } from '../domain/alerts/alert-delivery.entity.ts';
import { AlertRelay } from '../domain/alerts/alert-relay.entity.ts';

/** Every entity (the metrics snapshots and login throttles too), in one list for the ORM and the migration check. */
export const entities = [User, RefreshToken, Profile, Title, ViewingTimeConfig, ViewingTimeOverride, ViewingTimeBalance, ViewingSession, TimeGrant, TimeRequest, MetricsSnapshot, LoginThrottle, KidsDevice, FamilyRuleSpan, IdempotencyKey,
  AlertRules, PushSubscription, Webhook, AlertDelivery, AlertRelay];

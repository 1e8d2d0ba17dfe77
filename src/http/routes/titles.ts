import { z } from 'zod';
import { titleView, type CatalogService } from '../../domain/catalog/catalog-service.ts';
import { route } from '../route.ts';
import { ageRating, titleOut, uuid } from '../schemas.ts';

const titleFields = {
  title: z.string().trim().min(1).max(200),
  is_educational: z.boolean(),
  duration_minutes: z.int().min(1).max(1440),
  age_rating: ageRating,
};

export function titleRoutes(catalog: CatalogService) {
  return [
    route({
      method: 'get', path: '/titles', summary: 'List the catalogue (paged)', tag: 'catalogue', access: 'device',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0) }),
      response: z.object({ items: z.array(titleOut), total: z.int() }),
      handler: async ({ query }) => {
        const { items, total } = await catalog.list(query.limit, query.offset);
        return { items: items.map(titleView), total };
      },
    }),
    route({
      method: 'post', path: '/admin/titles', summary: 'Add a title', tag: 'admin', access: 'admin', status: 201,
      body: z.strictObject({ ...titleFields, is_educational: titleFields.is_educational.default(false) }), response: titleOut,
      handler: async ({ body }) => titleView(await catalog.create(body)),
    }),
    route({
      method: 'patch', path: '/admin/titles/{title_id}', summary: 'Update a title (e.g. is_educational)', tag: 'admin', access: 'admin',
      params: z.object({ title_id: uuid }), errors: [404],
      body: z.strictObject(titleFields).partial(), response: titleOut,
      handler: async ({ params, body }) => titleView(await catalog.update(params.title_id, body)),
    }),
  ];
}

/* A small stock-keeping program to practise debugging C compiled to WebAssembly.
 *
 * Things to try: break on `restock`, step into `order_total`, print `shelf[1]`,
 * `item->name`, `*orders`, walk the `orders` list with `orders->next`, and look at
 * `shelf` in memory with `x/32xb &shelf`.
 *
 * Exit status: the number of items that had to be restocked (2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHELF_SIZE 4
#define RESTOCK_LEVEL 5

struct item {
    char name[16];
    int quantity;
    double price;
};

struct order {
    const struct item *item;
    int count;
    struct order *next;
};

static struct item shelf[SHELF_SIZE] = {
    {"apple", 12, 0.5},
    {"bread", 3, 2.25},
    {"cheese", 7, 4.0},
    {"dates", 1, 3.75},
};

static struct order *add_order(struct order *orders, const struct item *item, int count) {
    struct order *order = malloc(sizeof *order);
    order->item = item;
    order->count = count;
    order->next = orders;
    return order;
}

static double order_total(const struct order *orders) {
    double total = 0.0;
    for (const struct order *order = orders; order != NULL; order = order->next) {
        double line = order->count * order->item->price;
        total += line;
    }
    return total;
}

static int restock(struct item *item, int target) {
    int missing = target - item->quantity;
    item->quantity = target;
    return missing;
}

int main(void) {
    struct order *orders = NULL;
    orders = add_order(orders, &shelf[0], 4);
    orders = add_order(orders, &shelf[2], 1);
    double total = order_total(orders);
    printf("order total: %.2f\n", total);

    int restocked = 0;
    for (int i = 0; i < SHELF_SIZE; i++) {
        struct item *item = &shelf[i];
        if (item->quantity < RESTOCK_LEVEL) {
            int added = restock(item, 10);
            printf("restocked %s with %d\n", item->name, added);
            restocked++;
        }
    }

    while (orders != NULL) {
        struct order *next = orders->next;
        free(orders);
        orders = next;
    }
    return restocked;
}

package greenlet_test

import (
	"fmt"

	"github.com/geventgo/geventgo/greenlet"
)

// A generator in python-greenlet style: the child switches values up to
// main, and its return value ends the exchange.
func Example() {
	main := greenlet.Current()
	defer main.Close()
	gen := greenlet.New(func(v any) (any, error) {
		for i := 0; i < v.(int); i++ {
			if _, err := main.Switch(i); err != nil {
				return nil, err
			}
		}
		return "done", nil
	})
	v, err := gen.Switch(3)
	for err == nil && gen.Active() {
		fmt.Println(v)
		v, err = gen.Switch(nil)
	}
	fmt.Println(v, err)
	// Output:
	// 0
	// 1
	// 2
	// done <nil>
}

// Throw raises an error at the greenlet's switch point; GreenletExit that
// is not handled comes back to the parent as a value.
func ExampleGreenlet_Throw() {
	main := greenlet.Current()
	defer main.Close()
	g := greenlet.New(func(any) (any, error) {
		defer fmt.Println("cleanup runs")
		_, err := main.Switch(nil)
		return nil, err
	})
	g.Switch(nil)
	v, err := g.Throw(nil)
	fmt.Println(v, err, g.Dead())
	// Output:
	// cleanup runs
	// greenlet: GreenletExit <nil> true
}
